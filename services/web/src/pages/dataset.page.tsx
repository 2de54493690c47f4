import type { Generation, LakeTable } from '@genlake/client';
import { useEffect, useState } from 'preact/hooks';
import { api, authed, type ReadFailure, readFailure } from '../api';
import { ReadProblem } from '../components/calm';
import { plot, pointOf, type SeriesPoint } from '../datasets/estimate.series';
import { strings } from '../strings';

type Row = Record<string, unknown>;

async function tableRows(generationId: string, table: LakeTable, filters: Record<string, string> = {}): Promise<Row[]> {
  const answer = await authed(() =>
    api.GET('/api/generations/{id}/tables/{table}', {
      params: { path: { id: generationId, table }, query: { ...filters, limit: 1000 } as { limit: number } },
    }),
  );
  return (answer.data?.rows ?? []) as Row[];
}

const text = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** The corrections of a corrected generation beside the processed values, with their reasons. */
function Corrections({ generation, all }: { generation: Generation; all: Generation[] }) {
  const [rows, setRows] = useState<Row[]>();
  useEffect(() => {
    void tableRows(generation.id!, 'corrections').then(setRows);
  }, [generation.id]);
  if (!rows) return <p class="calm">{strings.common.loading}</p>;
  if (rows.length === 0) return <p>{strings.dataset.noCorrections}</p>;
  const byNumber = new Map(all.filter((g) => g.stage === 'processed').map((g) => [g.number, g]));
  return (
    <div class="table-wrap">
      <table class="list" data-testid="corrections">
        <thead>
          <tr>
            <th scope="col">{strings.dataset.entityMetric}</th>
            <th scope="col">{strings.dataset.processed}</th>
            <th scope="col">{strings.dataset.corrected}</th>
            <th scope="col">{strings.dataset.reason}</th>
            <th scope="col">{strings.dataset.used}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={text(r.correction_id)} data-testid="correction-row">
              <td>
                {text(r.entity)} / {text(r.metric)}
              </td>
              <td class="num">{text(r.original_value)}</td>
              <td class="num">{text(r.corrected_value)}</td>
              <td>
                {text(r.reason)} <small class="hint">({text(r.method)})</small>
              </td>
              <td>
                {(Array.isArray(r.generations_used) ? r.generations_used : []).map((n) => {
                  const used = byNumber.get(Number(n));
                  return used ? (
                    <a key={text(n)} class="gen-link" href={`/batches/${used.batchId}`}>
                      {strings.dataset.generationNumber(Number(n))}
                    </a>
                  ) : (
                    <span key={text(n)}>{strings.dataset.generationNumber(Number(n))}</span>
                  );
                })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const WIDTH = 640;
const HEIGHT = 200;

/** One entity/metric's estimate across the corrected generations; corrected points are marked. */
function EstimateChart({ generations }: { generations: Generation[] }) {
  const corrected = generations.filter((g) => g.stage === 'corrected' && g.status === 'complete');
  const [choices, setChoices] = useState<string[]>([]);
  const [choice, setChoice] = useState('');
  const [points, setPoints] = useState<SeriesPoint[]>([]);

  useEffect(() => {
    const latest = corrected.at(-1);
    if (!latest) return;
    void tableRows(latest.id!, 'corrected_estimates').then((rows) => {
      const keys = [...new Set(rows.map((r) => `${text(r.entity)}\u0000${text(r.metric)}`))].sort();
      setChoices(keys);
      setChoice((c) => c || keys[0] || '');
    });
  }, [corrected.length]);

  useEffect(() => {
    if (!choice) return;
    const [entity, metric] = choice.split('\u0000') as [string, string];
    void Promise.all(
      corrected.map(async (g) =>
        pointOf(g.number ?? 0, await tableRows(g.id!, 'corrected_estimates', { entity, metric })),
      ),
    ).then((list) => setPoints(list.filter((p): p is SeriesPoint => p !== undefined)));
  }, [choice, corrected.length]);

  if (corrected.length === 0) return null;
  const drawn = plot(points, WIDTH, HEIGHT);
  return (
    <section aria-labelledby="chart-title">
      <h2 id="chart-title">{strings.dataset.chart}</h2>
      <div class="field">
        <label for="chart-series">{strings.dataset.series}</label>
        <select id="chart-series" value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {c.replace('\u0000', ' / ')}
            </option>
          ))}
        </select>
      </div>
      <svg
        class="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={strings.dataset.chartLabel(choice.replace('\u0000', ' / '))}
        data-testid="estimate-chart"
      >
        <polyline class="chart-line" points={drawn.map((p) => `${p.x},${p.y}`).join(' ')} />
        {drawn.map((p) =>
          p.point.corrected ? (
            <g key={p.point.generation}>
              {p.yOriginal !== undefined && (
                <>
                  <line class="chart-correction" x1={p.x} y1={p.yOriginal} x2={p.x} y2={p.y} />
                  <circle class="chart-original" cx={p.x} cy={p.yOriginal} r={4} />
                </>
              )}
              <rect class="chart-corrected" x={p.x - 5} y={p.y - 5} width={10} height={10}>
                <title>{strings.dataset.pointCorrected(p.point.generation, p.point.value, p.point.original)}</title>
              </rect>
            </g>
          ) : (
            <circle key={p.point.generation} class="chart-point" cx={p.x} cy={p.y} r={4}>
              <title>{strings.dataset.point(p.point.generation, p.point.value)}</title>
            </circle>
          ),
        )}
      </svg>
      <p class="hint">{strings.dataset.legend}</p>
    </section>
  );
}

export function DatasetPage({ dataset }: { dataset: string }) {
  const [generations, setGenerations] = useState<Generation[]>();
  const [failure, setFailure] = useState<ReadFailure>();
  const [open, setOpen] = useState<string>();
  useEffect(() => {
    void authed(() => api.GET('/api/datasets/{dataset}/generations', { params: { path: { dataset } } })).then((a) => {
      if (a.data) setGenerations(a.data.generations ?? []);
      else setFailure(readFailure(a.response, a.error));
    });
  }, [dataset]);
  const all = generations ?? [];
  return (
    <section class="card">
      <h1>{strings.dataset.title(dataset)}</h1>
      <ReadProblem failure={failure} />
      <h2>{strings.dataset.generations}</h2>
      <ol class="timeline">
        {all.map((g) => (
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
            {g.stage === 'corrected' && (
              <button
                type="button"
                aria-expanded={open === g.id}
                data-testid="compare-button"
                onClick={() => setOpen(open === g.id ? undefined : g.id)}
              >
                {strings.dataset.compare}
              </button>
            )}
            {open === g.id && <Corrections generation={g} all={all} />}
          </li>
        ))}
      </ol>
      <EstimateChart generations={all} />
    </section>
  );
}
