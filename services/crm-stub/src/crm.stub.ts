import Fastify, { type FastifyInstance } from 'fastify';
import { SlidingWindowCounter } from './sliding-window.counter';

export type CrmMode = 'ok' | 'fail' | 'slow' | 'timeout' | 'reject';
const MODES: readonly CrmMode[] = ['ok', 'fail', 'slow', 'timeout', 'reject'];

export interface CrmEvent {
  /** 1, 2, 3, ...: the order in which the stub accepted the events. */
  seq: number;
  idempotencyKey: string | null;
  receivedAt: string;
  body: unknown;
}

export interface CrmStats {
  received: number;
  accepted: number;
  duplicates: number;
  unauthorized: number;
  rejected429: number;
  failed: number;
  rejected400: number;
  maxPerSecond: number;
  mode: CrmMode;
  events: CrmEvent[];
}

export interface CrmStubOptions {
  port?: number;
  host?: string;
  token?: string;
  /** Requests allowed in any sliding 1 s window; one more is answered 429. The real CRM takes fewer than 100. */
  limitPerSecond?: number;
  logger?: boolean;
}

export interface CrmStub {
  /** Base URL, e.g. http://127.0.0.1:8090 */
  url: string;
  /** URL of the events endpoint (what CRM_URL points at). */
  eventsUrl: string;
  token: string;
  app: FastifyInstance;
  stats(): CrmStats;
  /** The accepted events in arrival order (duplicates not repeated), from `seq` > after. */
  events(after?: number): CrmEvent[];
  setMode(mode: CrmMode, delayMs?: number): void;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * The stand-in CRM: `POST /v1/events` (bearer token, JSON body) answers 202 and records the event once per
 * Idempotency-Key; more than `limitPerSecond` requests in any sliding second are answered 429 with Retry-After.
 * `/_control`, `/_stats`, `/_events` (accepted events in arrival order) and `/_reset` let tests make it fail and
 * read what it received.
 */
export async function startCrmStub(options: CrmStubOptions = {}): Promise<CrmStub> {
  const token = options.token ?? 'dev-token';
  const limit = options.limitPerSecond ?? 99;
  const window = new SlidingWindowCounter(1_000);
  let mode: CrmMode = 'ok';
  let delayMs = 1_000;
  let events: CrmEvent[] = [];
  let keys = new Set<string>();
  const counts = {
    received: 0,
    accepted: 0,
    duplicates: 0,
    unauthorized: 0,
    rejected429: 0,
    failed: 0,
    rejected400: 0,
  };

  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true, bodyLimit: 1024 * 1024 });

  app.post('/v1/events', async (request, reply) => {
    const now = Date.now();
    counts.received++;
    const inWindow = window.hit(now);
    if (request.headers.authorization !== `Bearer ${token}`) {
      counts.unauthorized++;
      return reply.code(401).send({ error: 'unauthorized' });
    }
    if (inWindow > limit) {
      counts.rejected429++;
      const retryAfter = Math.max(1, Math.ceil(window.msUntilSlotFrees(now) / 1000));
      return reply.code(429).header('retry-after', String(retryAfter)).send({ error: 'rate limit exceeded' });
    }
    switch (mode) {
      case 'fail':
        counts.failed++;
        return reply.code(503).send({ error: 'unavailable' });
      case 'reject':
        counts.rejected400++;
        return reply.code(400).send({ error: 'event refused' });
      case 'timeout':
        // Never answers; the connection is closed when the stub stops.
        return new Promise<never>(() => {});
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        break;
      default:
        break;
    }
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      counts.rejected400++;
      return reply.code(400).send({ error: 'body must be a JSON object' });
    }
    const header = request.headers['idempotency-key'];
    const key = typeof header === 'string' && header.length > 0 ? header : null;
    if (key !== null && keys.has(key)) {
      counts.duplicates++;
      return reply.code(202).send({ status: 'duplicate', idempotencyKey: key });
    }
    if (key !== null) keys.add(key);
    counts.accepted++;
    events.push({ seq: events.length + 1, idempotencyKey: key, receivedAt: new Date(now).toISOString(), body });
    return reply.code(202).send({ status: 'accepted', idempotencyKey: key });
  });

  app.post('/_control', async (request, reply) => {
    const body = (request.body ?? {}) as { mode?: unknown; delayMs?: unknown };
    if (typeof body.mode !== 'string' || !MODES.includes(body.mode as CrmMode))
      return reply.code(400).send({ error: `mode must be one of ${MODES.join(', ')}` });
    if (body.delayMs !== undefined && (typeof body.delayMs !== 'number' || body.delayMs < 0))
      return reply.code(400).send({ error: 'delayMs must be a non-negative number' });
    setMode(body.mode as CrmMode, body.delayMs as number | undefined);
    return { mode, delayMs };
  });
  app.get('/_stats', async () => stats());
  // The accepted events in arrival order, from seq > after (a test reads the order per user from it).
  app.get('/_events', async (request, reply) => {
    const after = Number((request.query as { after?: string }).after ?? 0);
    if (!Number.isInteger(after) || after < 0) return reply.code(400).send({ error: 'after must be an integer >= 0' });
    return { total: events.length, events: events.slice(after) };
  });
  app.post('/_reset', async () => {
    reset();
    return { ok: true };
  });

  function setMode(next: CrmMode, nextDelayMs?: number) {
    mode = next;
    if (nextDelayMs !== undefined) delayMs = nextDelayMs;
  }
  function stats(): CrmStats {
    return { ...counts, maxPerSecond: window.max, mode, events: [...events] };
  }
  function reset() {
    for (const k of Object.keys(counts) as Array<keyof typeof counts>) counts[k] = 0;
    events = [];
    keys = new Set();
    window.reset();
    mode = 'ok';
  }

  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${host}:${port}`;
  return {
    url,
    eventsUrl: `${url}/v1/events`,
    token,
    app,
    stats,
    events: (after = 0) => events.slice(after),
    setMode,
    reset,
    stop: () => app.close(),
  };
}
