/**
 * Follows a batch live: the gateway's server-sent events read with fetch, so the access token goes in the
 * Authorization header and never into a URL. One `status` event per change, with the batch as data; the stream
 * ends when the batch is completed. A dropped connection or an outage reconnects quietly; a 401 renews the session
 * and reconnects with the new token.
 */
import type { Batch } from '@genlake/client';
import { BATCH_STATUS } from '@genlake/contracts/lifecycle';
import { EventStreamContentType, fetchEventSource } from '@microsoft/fetch-event-source';

class Reconnect extends Error {}

export type FollowOptions = {
  token(): Promise<string | undefined>;
  renew(): Promise<boolean>;
  onBatch(batch: Batch): void;
  signal: AbortSignal;
  retryMs?: number;
};

export async function followBatch(id: string, options: FollowOptions): Promise<void> {
  const retryMs = options.retryMs ?? 2_000;
  while (!options.signal.aborted) {
    const token = await options.token();
    let renew = false;
    let completed = false;
    try {
      await fetchEventSource(`/api/batches/${encodeURIComponent(id)}/events`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: options.signal,
        openWhenHidden: true,
        async onopen(response) {
          if (response.ok && response.headers.get('content-type')?.startsWith(EventStreamContentType)) return;
          if (response.status === 401) renew = true;
          throw new Reconnect();
        },
        onmessage(event) {
          if (event.event !== 'status' || !event.data) return;
          const batch = JSON.parse(event.data) as Batch;
          if (batch.status === BATCH_STATUS.completed) completed = true;
          options.onBatch(batch);
        },
        onerror(error) {
          // Stop this stream and decide in the loop below (renewing the token first if needed).
          throw error;
        },
      });
    } catch {
      // an outage or a refused stream: wait and reconnect
    }
    if (completed || options.signal.aborted) return;
    if (renew) await options.renew();
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}
