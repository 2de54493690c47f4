import type { Generation } from '@genlake/client';
import { useEffect, useState } from 'preact/hooks';
import { api, authed, type ReadFailure, readFailure } from '../api';
import { ReadProblem } from '../components/calm';
import { strings } from '../strings';

export function DatasetPage({ dataset }: { dataset: string }) {
  const [generations, setGenerations] = useState<Generation[]>();
  const [failure, setFailure] = useState<ReadFailure>();
  useEffect(() => {
    void authed(() => api.GET('/api/datasets/{dataset}/generations', { params: { path: { dataset } } })).then((a) => {
      if (a.data) setGenerations(a.data.generations ?? []);
      else setFailure(readFailure(a.response, a.error));
    });
  }, [dataset]);
  return (
    <section class="card">
      <h1>{strings.dataset.title(dataset)}</h1>
      <ReadProblem failure={failure} />
      <h2>{strings.dataset.generations}</h2>
      <ol class="timeline">
        {(generations ?? []).map((g) => (
          <li key={g.id} data-testid="dataset-generation" class={`gen gen-${g.stage}`}>
            <strong>{strings.batch.generation(g.number ?? 0, g.stage ?? '')}</strong>{' '}
            <time>{g.createdAt ? new Date(g.createdAt).toLocaleString() : ''}</time>{' '}
            <a href={`/batches/${g.batchId}`}>{strings.batch.title}</a>
            {(g.usedGenerations ?? []).length > 0 && (
              <span>
                {' '}
                · {strings.dataset.used} {(g.usedGenerations ?? []).join(', ')}
              </span>
            )}
            <ul class="inline">
              {Object.entries(g.tables ?? {}).map(([table, t]) => (
                <li key={table}>
                  <a href={`/generations/${g.id}/tables/${table}`}>{table}</a> ({t.rows})
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}
