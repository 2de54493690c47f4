import { type LiveProgress, useOutbox, useUploadProgress } from '../hooks';
import type { OutboxItem } from '../outbox/outbox.model';
import { outboxRepository } from '../outbox/outbox.store';
import { strings } from '../strings';
import { formatBytes, formatDuration, progressReport } from '../upload/upload.client';

const stateText: Record<OutboxItem['state'], string> = {
  waiting: strings.outbox.waiting,
  sending: strings.outbox.sending,
  uploading: strings.outbox.uploading,
  sent: strings.outbox.sent,
  rejected: strings.outbox.rejected,
};

function Progress({ item, live }: { item: OutboxItem & { kind: 'file' }; live?: LiveProgress }) {
  const sent = live?.bytesSent ?? item.bytesSent;
  const total = live?.bytesTotal ?? item.bytesTotal;
  const text = live
    ? (() => {
        const r = progressReport(live, live, live.at);
        return strings.outbox.progress(
          r.percent,
          strings.units.perSecond(formatBytes(r.bytesPerSecond)),
          formatDuration(r.secondsLeft),
        );
      })()
    : strings.outbox.progressStarting;
  return (
    <div class="progress">
      <progress data-testid="upload-progress" value={sent} max={total || 1} aria-label={item.fileName}>
        {text}
      </progress>
      <span class="progress-text">{text}</span>
    </div>
  );
}

export function OutboxList() {
  const items = useOutbox();
  const progress = useUploadProgress();
  if (items.length === 0) return null;
  return (
    <section class="outbox" aria-labelledby="outbox-title">
      <h2 id="outbox-title">{strings.outbox.title}</h2>
      <ul class="outbox-items">
        {[...items].reverse().map((item) => (
          <li key={item.id} class={`outbox-item state-${item.state}`} data-testid="outbox-item" data-state={item.state}>
            <span class="outbox-what">
              {strings.outbox.describe(
                item.dataset,
                item.kind === 'records' ? strings.outbox.records(item.records.length) : item.fileName,
              )}
            </span>
            <span data-testid="outbox-item-status" class="outbox-status" aria-live="polite">
              {stateText[item.state]}
            </span>
            {item.kind === 'file' && item.state === 'uploading' && (
              <Progress item={item} live={progress.get(item.id)} />
            )}
            {item.state === 'rejected' && item.error && (
              <div data-testid="outbox-item-error" class="outbox-error">
                <p>{item.error.message}</p>
                {item.error.details.length > 0 && (
                  <ul>
                    {item.error.details.map((d) => (
                      <li key={d}>{d}</li>
                    ))}
                  </ul>
                )}
              </div>
            )}
            {item.state === 'sent' && item.batchId && (
              <a data-testid="outbox-item-batch" href={`/batches/${item.batchId}`}>
                {strings.outbox.openBatch}
              </a>
            )}
            {(item.state === 'sent' || item.state === 'rejected') && (
              <button type="button" class="link-button" onClick={() => void outboxRepository.remove(item.id)}>
                {strings.outbox.dismiss}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
