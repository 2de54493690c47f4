import { useEffect, useState } from 'preact/hooks';
import { type SessionState, session } from './auth/session';
import type { OutboxItem } from './outbox/outbox.model';
import type { UploadProgress } from './outbox/outbox.sender';
import { outboxRepository, outboxSender } from './outbox/outbox.store';

export function useSession(): SessionState {
  const [state, setState] = useState(session.current());
  useEffect(() => session.subscribe(setState), []);
  return state;
}

export function useOutbox(): OutboxItem[] {
  const [items, setItems] = useState<OutboxItem[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      void outboxRepository.list().then((list) => {
        if (live) setItems(list);
      });
    load();
    const off = outboxRepository.subscribe(load);
    return () => {
      live = false;
      off();
    };
  }, []);
  return items;
}

export type LiveProgress = UploadProgress & { startedAt: number; startBytes: number; at: number };

/** Upload progress as it happens (not stored: the outbox keeps the bytes of each finished part). */
export function useUploadProgress(): Map<string, LiveProgress> {
  const [progress, setProgress] = useState(new Map<string, LiveProgress>());
  useEffect(
    () =>
      outboxSender.onProgress((id, p) =>
        setProgress((previous) => {
          const next = new Map(previous);
          const before = previous.get(id);
          const now = Date.now();
          const fresh = !before || p.bytesSent < before.bytesSent;
          next.set(id, {
            ...p,
            startedAt: fresh ? now : before.startedAt,
            startBytes: fresh ? p.bytesSent : before.startBytes,
            at: now,
          });
          return next;
        }),
      ),
    [],
  );
  return progress;
}
