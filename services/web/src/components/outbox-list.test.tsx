import { render, screen, waitFor } from '@testing-library/preact';
import { LocationProvider } from 'preact-iso';
import { describe, expect, it } from 'vitest';
import type { RecordsItem } from '../outbox/outbox.model';
import { outboxRepository } from '../outbox/outbox.store';
import { Header } from './header';
import { OutboxList } from './outbox-list';

function item(id: string, patch: Partial<RecordsItem>): RecordsItem {
  return {
    id,
    kind: 'records',
    idempotencyKey: `key-${id}`,
    dataset: 'demo',
    complexity: 1,
    state: 'waiting',
    createdAt: Date.parse('2026-12-01T10:00:00Z'),
    attempts: 3,
    nextAttemptAt: Number.MAX_SAFE_INTEGER,
    toldToWait: false,
    records: [{ entity: 'a', ts: '2026-11-01T00:00:00Z', metric: 't', value: 1 }],
    ...patch,
  };
}

describe('the outbox on the page', () => {
  it('says calmly that a waiting item will go by itself, with the count in the header, and no alert or error text', async () => {
    await outboxRepository.put(item('w1', {}));
    await outboxRepository.put(item('w2', { createdAt: Date.parse('2026-12-01T10:01:00Z') }));
    const { container } = render(
      <LocationProvider>
        <Header />
        <OutboxList />
      </LocationProvider>,
    );
    await waitFor(() => expect(screen.getAllByTestId('outbox-item')).toHaveLength(2));
    for (const el of screen.getAllByTestId('outbox-item')) expect(el.getAttribute('data-state')).toBe('waiting');
    expect(screen.getAllByTestId('outbox-item-status')[0]?.textContent).toBe(
      'Waiting to send — will go through by itself',
    );
    expect(screen.getByTestId('outbox-count').textContent).toBe('2');
    expect(container.querySelectorAll('[role=alert]')).toHaveLength(0);
    expect(container.textContent).not.toMatch(/error|failed|500|503/i);
    await outboxRepository.close();
  });

  it("shows a rejected item's reason from the gateway, and a sent item's link to its batch", async () => {
    await outboxRepository.put(
      item('r', {
        state: 'rejected',
        error: { message: 'the batch has 1 invalid record', details: ['line 7: value "x" is not a decimal number'] },
      }),
    );
    await outboxRepository.put(
      item('s', { state: 'sent', batchId: 'b-1', createdAt: Date.parse('2026-12-01T11:00:00Z') }),
    );
    render(<OutboxList />);
    await waitFor(() => expect(screen.getByTestId('outbox-item-error').textContent).toContain('line 7'));
    expect(screen.getByTestId('outbox-item-batch').getAttribute('href')).toBe('/batches/b-1');
    await outboxRepository.close();
  });
});
