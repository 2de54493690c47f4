import type { Batch, BatchStatus } from '@genlake/client';
import { BATCH_STATUSES } from '@genlake/contracts/lifecycle';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, authed, type ReadFailure, readFailure } from '../api';
import { ReadProblem } from '../components/calm';
import { OutboxList } from '../components/outbox-list';
import { strings } from '../strings';

const OUTAGE_RETRY_MS = 5_000;

export function BatchesPage() {
  const { query, route } = useLocation();
  const dataset = query.dataset ?? '';
  const status = (query.status ?? '') as BatchStatus | '';
  const [items, setItems] = useState<Batch[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<ReadFailure>();
  const [loaded, setLoaded] = useState(false);

  const load = async (after: string | null) => {
    const answer = await authed(() =>
      api.GET('/api/batches', {
        params: {
          query: {
            dataset: dataset || undefined,
            status: status || undefined,
            cursor: after ?? undefined,
            limit: 50,
          },
        },
      }),
    );
    if (!answer.data) {
      setFailure(readFailure(answer.response, answer.error));
      return false;
    }
    setFailure(undefined);
    setItems((previous) => (after ? [...previous, ...(answer.data.items ?? [])] : (answer.data.items ?? [])));
    setCursor(answer.data.nextCursor ?? null);
    setLoaded(true);
    return true;
  };

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const first = async () => {
      if (!(await load(null)) && live) timer = setTimeout(first, OUTAGE_RETRY_MS);
    };
    setItems([]);
    setLoaded(false);
    void first();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [dataset, status]);

  const filter = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const key of ['dataset', 'status']) {
      const value = String(data.get(key) ?? '').trim();
      if (value) params.set(key, value);
    }
    const search = params.toString();
    route(search ? `/batches?${search}` : '/batches');
  };

  return (
    <section class="card">
      <div class="title-row">
        <h1>{strings.batches.title}</h1>
        <a class="button primary" href="/batches/new">
          {strings.batches.newBatch}
        </a>
      </div>
      <OutboxList />
      <form class="filters row" onSubmit={filter} aria-label={strings.batches.filters}>
        <div class="field">
          <label for="filter-dataset">{strings.batches.dataset}</label>
          <input id="filter-dataset" name="dataset" value={dataset} autocomplete="off" />
        </div>
        <div class="field">
          <label for="filter-status">{strings.batches.status}</label>
          <select id="filter-status" name="status" value={status}>
            <option value="">{strings.batches.anyStatus}</option>
            {BATCH_STATUSES.map((s) => (
              <option key={s} value={s}>
                {strings.statuses[s]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{strings.batches.apply}</button>
      </form>
      <ReadProblem failure={failure} />
      {loaded && items.length === 0 && <p>{strings.batches.none}</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{strings.batches.columns.dataset}</th>
                <th scope="col">{strings.batches.columns.status}</th>
                <th scope="col">{strings.batches.columns.records}</th>
                <th scope="col">{strings.batches.columns.created}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr key={b.id} data-testid="batch-row" data-batch-id={b.id} data-status={b.status}>
                  <td>
                    <a href={`/batches/${b.id}`}>{b.dataset}</a>
                  </td>
                  <td>
                    <span class={`status status-${b.status}`}>{strings.statuses[b.status ?? ''] ?? b.status}</span>
                  </td>
                  <td class="num">{b.recordCount}</td>
                  <td>{b.createdAt ? new Date(b.createdAt).toLocaleString() : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          {strings.common.more}
        </button>
      )}
    </section>
  );
}
