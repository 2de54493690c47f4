import type { Batch } from '@genlake/client';
import { BATCH_STATUS, BATCH_STATUSES, type BatchStatus } from '@genlake/contracts/lifecycle';
import { useEffect, useState } from 'preact/hooks';
import { api, authed, type ReadFailure, readFailure } from '../api';
import { session } from '../auth/session';
import { followBatch } from '../batches/batch.events';
import { ReadProblem } from '../components/calm';
import { downloadFile } from '../downloads';
import { strings } from '../strings';

/** When the batch reached each status (the API's field). */
const since: Record<BatchStatus, keyof Batch & `${string}At`> = {
  accepted: 'createdAt',
  processing: 'processingAt',
  correcting: 'correctingAt',
  completed: 'completedAt',
};
const stages = BATCH_STATUSES.map((status) => [status, since[status]] as const);

const time = (at: string | null | undefined) => (at ? new Date(at).toLocaleString() : '–');

const download = (event: Event, id: string, format: 'csv' | 'arrow') =>
  downloadFile(event, `/api/batches/${id}/result?format=${format}`, `batch-${id}.${format}`);

export function BatchPage({ id }: { id: string }) {
  const [batch, setBatch] = useState<Batch>();
  const [failure, setFailure] = useState<ReadFailure>();

  useEffect(() => {
    const abort = new AbortController();
    setBatch(undefined);
    void authed(() => api.GET('/api/batches/{id}', { params: { path: { id } } })).then((answer) => {
      if (abort.signal.aborted) return;
      if (answer.data) setBatch((current) => current ?? answer.data);
      else setFailure(readFailure(answer.response, answer.error));
    });
    void followBatch(id, {
      token: () => session.ensureToken(),
      renew: () => session.renew(),
      onBatch: (b) => {
        setFailure(undefined);
        setBatch(b);
      },
      signal: abort.signal,
    });
    return () => abort.abort();
  }, [id]);

  if (!batch) {
    return (
      <section class="card">
        <h1>{strings.batch.title}</h1>
        {failure ? <ReadProblem failure={failure} /> : <p class="calm">{strings.common.loading}</p>}
      </section>
    );
  }
  const completed = batch.status === BATCH_STATUS.completed;
  return (
    <section class="card">
      <h1>
        {strings.batch.title} <code class="id">{batch.id}</code>
      </h1>
      <dl class="facts">
        <dt>{strings.batch.status}</dt>
        <dd>
          <span class={`status status-${batch.status}`} data-testid="batch-status" data-status={batch.status}>
            {strings.statuses[batch.status ?? ''] ?? batch.status}
          </span>
          {!completed && <small class="hint"> · {strings.batch.live}</small>}
        </dd>
        <dt>{strings.batch.dataset}</dt>
        <dd>
          <a href={`/datasets/${batch.dataset}`}>{batch.dataset}</a>
        </dd>
        <dt>{strings.batch.records}</dt>
        <dd>{batch.recordCount}</dd>
      </dl>
      <h2>{strings.batch.stages}</h2>
      <ol class="stages">
        {stages.map(([status, field]) => (
          <li key={status} data-testid={`stage-${status}`} class={batch[field] ? 'stage done' : 'stage'}>
            <span>{strings.statuses[status]}</span> <time>{time(batch[field])}</time>
          </li>
        ))}
      </ol>
      <h2>{strings.batch.generations}</h2>
      {(batch.generations ?? []).map((g) => (
        <div key={g.id} data-testid="generation-row" class="generation">
          <h3>{strings.batch.generation(g.number ?? 0, g.stage ?? '')}</h3>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{strings.batch.table}</th>
                <th scope="col">{strings.batch.rows}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(g.tables ?? {}).map(([table, t]) => (
                <tr key={table}>
                  <td>
                    <a href={`/generations/${g.id}/tables/${table}`}>{table}</a>
                  </td>
                  <td class="num">{t.rows}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <h2>{strings.batch.downloads}</h2>
      {completed ? (
        <p class="downloads">
          <a
            data-testid="download-csv"
            href={`/api/batches/${batch.id}/result?format=csv`}
            onClick={(e) => download(e, batch.id!, 'csv')}
          >
            {strings.batch.downloadCsv}
          </a>
          <a
            data-testid="download-arrow"
            href={`/api/batches/${batch.id}/result?format=arrow`}
            onClick={(e) => download(e, batch.id!, 'arrow')}
          >
            {strings.batch.downloadArrow}
          </a>
        </p>
      ) : (
        <p class="hint">{strings.batch.downloadsLater}</p>
      )}
      <p>
        <a href={`/datasets/${batch.dataset}`}>{strings.batch.datasetLink}</a>
      </p>
    </section>
  );
}
