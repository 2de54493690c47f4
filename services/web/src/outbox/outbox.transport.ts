/** The outbox sender's view of the gateway: the typed client for batches, tus for files, the session's token. */
import { api, origin } from '../api';
import { session } from '../auth/session';
import { UploadClient, uploadIdFromUrl } from '../upload/upload.client';
import type { FileItem, OutboxItem, RecordsItem } from './outbox.model';
import type { Attempt, OutboxTransport } from './outbox.sender';

/** A submission that has no answer by then is treated as lost and sent again (same key: the gateway replays). */
const SUBMIT_TIMEOUT_MS = 60_000;

async function attemptOf(call: Promise<{ response: Response; data?: unknown; error?: unknown }>): Promise<Attempt> {
  try {
    const { response, data, error } = await call;
    return {
      kind: 'http',
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: data ?? error,
    };
  } catch {
    return { kind: 'network' };
  }
}

/** A token to send this item with: the session's, when the session is the item's owner's. */
async function tokenFor(item: OutboxItem): Promise<string | undefined> {
  const token = await session.ensureToken();
  const me = session.current().account?.id;
  return item.owner && me && item.owner !== me ? undefined : token;
}

export function gatewayTransport(): OutboxTransport {
  const uploads = new UploadClient(`${origin}/api/uploads`, () => session.ensureToken());
  return {
    async submitRecords(item: RecordsItem) {
      if (!(await tokenFor(item))) return { kind: 'no-session' };
      return attemptOf(
        api.POST('/api/batches', {
          params: { header: { 'Idempotency-Key': item.idempotencyKey } },
          signal: AbortSignal.timeout(SUBMIT_TIMEOUT_MS),
          body: { dataset: item.dataset, records: item.records, options: { complexity: item.complexity } },
        }),
      );
    },
    async upload(item: FileItem, events) {
      if (!(await tokenFor(item))) return { kind: 'no-session' };
      return uploads.upload(item, events);
    },
    async submitUpload(item: FileItem) {
      if (!(await tokenFor(item))) return { kind: 'no-session' };
      return attemptOf(
        api.POST('/api/batches/from-upload', {
          params: { header: { 'Idempotency-Key': item.idempotencyKey } },
          body: {
            upload: uploadIdFromUrl(item.uploadUrl!),
            dataset: item.dataset,
            options: { complexity: item.complexity },
          },
        }),
      );
    },
    async probe() {
      const response = await fetch('/health/live', { cache: 'no-store', signal: AbortSignal.timeout(4_000) }).catch(
        () => undefined,
      );
      return response?.ok === true;
    },
    renewSession: () => session.renew(),
  };
}
