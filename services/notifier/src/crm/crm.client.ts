import { PermanentError } from '@genlake/kit';

/** What the notifier reports to the CRM for one completed batch. */
export interface CrmBatchCompletedEvent {
  type: 'batch.completed';
  batchId: string;
  dataset: string;
  ownerId: string;
  recordCount: number;
  corrections: number;
  completedAt: string;
}

/** What the notifier reports to the CRM for a new user. */
export interface CrmUserRegisteredEvent {
  type: 'user.registered';
  userId: string;
  email: string;
  registeredAt: string;
}

export type CrmEvent = CrmBatchCompletedEvent | CrmUserRegisteredEvent;

/** The CRM did not take the event this time (429, 5xx, timeout, network): worth retrying later. */
export class CrmUnavailableError extends Error {
  override name = 'CrmUnavailableError';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The CRM refused the event for good (4xx other than 429). */
export class CrmRefusedError extends PermanentError {
  override name = 'CrmRefusedError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface CrmClientOptions {
  url: string;
  token: string;
  timeoutMs: number;
}

/** One HTTP call per event; the idempotency key makes a repeated call harmless. */
export class CrmClient {
  constructor(private readonly options: CrmClientOptions) {}

  async send(event: CrmEvent, idempotencyKey: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const what = e.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : e.message;
      throw new CrmUnavailableError(`CRM call failed: ${what}`);
    }
    // The body is not needed; read it so the connection can be reused.
    const text = await res.text().catch(() => '');
    if (res.ok) return;
    const detail = `CRM answered ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
    if (res.status === 429 || res.status === 408 || res.status >= 500) {
      throw new CrmUnavailableError(detail, res.status, retryAfterMs(res.headers.get('retry-after')));
    }
    throw new CrmRefusedError(detail, res.status);
  }
}

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
