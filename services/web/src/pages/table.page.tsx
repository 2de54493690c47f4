import type { LakeTable } from '@genlake/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, authed, type ReadFailure, readFailure } from '../api';
import { ReadProblem } from '../components/calm';
import { downloadFile } from '../downloads';
import { strings } from '../strings';
import { filtersOf, relationOf } from '../tables/table.relations';
import { setSpacerHeight, visibleWindow } from '../tables/virtual.window';

type Row = Record<string, unknown>;
type Column = { name?: string; type?: string; description?: string };

const ROW_HEIGHT = 32;
const PAGE = 500;

export function TablePage({ id, table }: { id: string; table: string }) {
  const { query, route } = useLocation();
  const q = query.q ?? '';
  const order = query.order ?? '';
  const filters = filtersOf(query);
  const filterKey = new URLSearchParams(filters).toString();
  const [columns, setColumns] = useState<Column[]>([]);
  const [rows, setRows] = useState<Row[]>([]);
  const [total, setTotal] = useState<number>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<ReadFailure>();
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);
  const loading = useRef(false);
  const viewport = useRef<HTMLElement>(null);

  const load = async (after: string | null) => {
    if (loading.current) return;
    loading.current = true;
    const answer = await authed(() =>
      api.GET('/api/generations/{id}/tables/{table}', {
        params: {
          path: { id, table: table as LakeTable },
          // Column filters go through as they are (the API takes any column by equality or with an operator).
          query: {
            ...filters,
            limit: PAGE,
            q: q || undefined,
            order: order || undefined,
            cursor: after ?? undefined,
          } as { limit: number },
        },
      }),
    );
    loading.current = false;
    if (!answer.data) return setFailure(readFailure(answer.response, answer.error));
    setFailure(undefined);
    setColumns(answer.data.columns ?? []);
    setTotal(answer.data.totalRows);
    setRows((previous) =>
      after ? [...previous, ...((answer.data.rows ?? []) as Row[])] : ((answer.data.rows ?? []) as Row[]),
    );
    setCursor(answer.data.nextCursor ?? null);
  };

  useEffect(() => {
    setRows([]);
    setCursor(null);
    void load(null);
  }, [id, table, q, order, filterKey]);

  useEffect(() => {
    if (viewport.current) setHeight(viewport.current.clientHeight || 480);
  }, [rows.length > 0]);

  const win = visibleWindow({ scrollTop, height, rowHeight: ROW_HEIGHT, count: rows.length, overscan: 10 });
  useEffect(() => {
    if (cursor && win.end >= rows.length - 50) void load(cursor);
  }, [win.end, cursor]);

  const search = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) params.set(key, value);
    for (const key of ['q', 'order']) {
      const value = String(data.get(key) ?? '').trim();
      if (value) params.set(key, value);
    }
    route(`/generations/${id}/tables/${table}${params.size ? `?${params}` : ''}`);
  };

  const names = columns.map((c) => c.name ?? '');
  const selection = new URLSearchParams(filters);
  if (q) selection.set('q', q);
  if (order) selection.set('order', order);
  const csvPath = `/api/generations/${id}/tables/${table}/csv${selection.size ? `?${selection}` : ''}`;
  return (
    <section class="card wide">
      <h1 id="table-title">{strings.table.title(table)}</h1>
      <form class="filters row" onSubmit={search}>
        <div class="field">
          <label for="table-q">{strings.table.search}</label>
          <input id="table-q" name="q" value={q} />
        </div>
        <div class="field">
          <label for="table-order">{strings.table.order}</label>
          <select id="table-order" name="order" value={order}>
            <option value="" />
            {names.flatMap((n) => [
              <option key={n} value={n}>
                {n} ↑
              </option>,
              <option key={`-${n}`} value={`-${n}`}>
                {n} ↓
              </option>,
            ])}
          </select>
        </div>
        <button type="submit">{strings.batches.apply}</button>
      </form>
      {filterKey && (
        <p class="filters-active">
          {strings.table.filtered(
            Object.entries(filters)
              .map(([k, v]) => `${k} = ${v}`)
              .join(', '),
          )}{' '}
          <a href={`/generations/${id}/tables/${table}`}>{strings.table.clearFilters}</a>
        </p>
      )}
      <ReadProblem failure={failure} />
      {total !== undefined && (
        <p class="table-summary">
          {strings.table.totalRows(total)}{' '}
          <a data-testid="download-table-csv" href={csvPath} onClick={(e) => downloadFile(e, csvPath, `${table}.csv`)}>
            {strings.table.downloadCsv}
          </a>
        </p>
      )}
      {total === 0 && <p>{strings.table.none}</p>}
      {rows.length > 0 && (
        // A scrolling region the keyboard can reach (tabIndex), labelled by the page's heading.
        <section
          class="virtual"
          ref={viewport}
          aria-labelledby="table-title"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll region must be reachable by keyboard
          tabIndex={0}
          onScroll={(e) => setScrollTop((e.target as HTMLElement).scrollTop)}
        >
          <table class="vtable" aria-rowcount={total}>
            <thead>
              <tr>
                {names.map((n) => (
                  <th scope="col" key={n} title={columns.find((c) => c.name === n)?.description}>
                    {n}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr class="vspacer" ref={(el) => setSpacerHeight(el, win.before)} />
              {rows.slice(win.start, win.end).map((row, i) => (
                <tr class="vrow" key={win.start + i} aria-rowindex={win.start + i + 2}>
                  {names.map((n) => (
                    <td key={n}>{formatCell(table, n, row[n], id)}</td>
                  ))}
                </tr>
              ))}
              <tr class="vspacer" ref={(el) => setSpacerHeight(el, win.after)} />
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}

function formatCell(table: string, column: string, value: unknown, generationId: string) {
  if (value === null || value === undefined) return '';
  const relation = relationOf(table, column);
  if (relation) {
    const href = `/generations/${generationId}/tables/${relation.table}?${new URLSearchParams({ [relation.column]: String(value) })}`;
    return <a href={href}>{String(value)}</a>;
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
