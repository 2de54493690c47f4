/** The app's one outbox: the repository, its sender, and what wakes the sender (online, sign-in). */
import { session } from '../auth/session';
import { OutboxRepository } from './outbox.repository';
import { OutboxSender } from './outbox.sender';
import { gatewayTransport } from './outbox.transport';

export const outboxRepository = new OutboxRepository();
export const outboxSender = new OutboxSender(outboxRepository, gatewayTransport());

export function startOutbox(): void {
  void outboxSender.start();
  globalThis.addEventListener?.('online', () => void outboxSender.wake());
  session.subscribe((s) => {
    if (s.status === 'signedIn') void outboxSender.wake();
  });
}
