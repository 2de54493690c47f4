/** The app's one outbox: the repository, its sender, and what wakes the sender (online, sign-in). */
import { session } from '../auth/session';
import { OutboxRepository } from './outbox.repository';
import { OutboxSender } from './outbox.sender';
import { gatewayTransport } from './outbox.transport';

export const outboxRepository = new OutboxRepository();
const SYNC_TAG = 'genlake-outbox';

/** Background Sync where the browser has it: the service worker says when the connection is back (sw-sync.js). */
function requestBackgroundSync(): void {
  void navigator.serviceWorker?.ready
    .then((registration) => (registration as ServiceWorkerRegistration & SyncCapable).sync?.register(SYNC_TAG))
    .catch(() => undefined);
}

type SyncCapable = { sync?: { register(tag: string): Promise<void> } };

export const outboxSender = new OutboxSender(outboxRepository, gatewayTransport(), {
  onWaiting: requestBackgroundSync,
});

export function startOutbox(): void {
  void outboxSender.start();
  globalThis.addEventListener?.('online', () => void outboxSender.wake());
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if ((event.data as { type?: string } | null)?.type === 'genlake-outbox-sync') void outboxSender.wake();
  });
  session.subscribe((s) => {
    if (s.status === 'signedIn') void outboxSender.wake();
  });
}
