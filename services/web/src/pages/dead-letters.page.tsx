import type { DeadLetter } from '@genlake/client';
import { useEffect, useState } from 'preact/hooks';
import { api, authed, type ReadFailure, readFailure } from '../api';
import { ReadProblem } from '../components/calm';
import { useSession } from '../hooks';
import { strings } from '../strings';

export function DeadLettersPage() {
  const { account } = useSession();
  const [items, setItems] = useState<DeadLetter[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [failure, setFailure] = useState<ReadFailure>();
  const [open, setOpen] = useState<DeadLetter>();

  const load = async (after: string | null) => {
    const a = await authed(() =>
      api.GET('/api/dead-letters', { params: { query: { state: 'all', cursor: after ?? undefined } } }),
    );
    if (!a.data) return setFailure(readFailure(a.response, a.error));
    setItems((p) => (after ? [...p, ...(a.data.items ?? [])] : (a.data.items ?? [])));
    setCursor(a.data.nextCursor ?? null);
  };
  useEffect(() => {
    if (account?.role === 'operator') void load(null);
  }, [account?.role]);

  const inspect = async (id: string) => {
    const a = await authed(() => api.GET('/api/dead-letters/{id}', { params: { path: { id } } }));
    if (a.data) setOpen(a.data);
  };
  const replay = async (id: string) => {
    const a = await authed(() => api.POST('/api/dead-letters/{id}/replay', { params: { path: { id }, query: {} } }));
    if (a.data) setItems((p) => p.map((d) => (d.id === id ? { ...d, ...a.data } : d)));
    else setFailure(readFailure(a.response, a.error));
  };

  if (account && account.role !== 'operator') {
    return (
      <section class="card">
        <h1>{strings.deadLetters.title}</h1>
        <p>{strings.deadLetters.forbidden}</p>
      </section>
    );
  }
  return (
    <section class="card wide">
      <h1>{strings.deadLetters.title}</h1>
      <ReadProblem failure={failure} />
      {items.length === 0 && !failure && <p>{strings.deadLetters.none}</p>}
      {items.length > 0 && (
        <div class="table-wrap">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{strings.deadLetters.queue}</th>
                <th scope="col">{strings.deadLetters.reason}</th>
                <th scope="col">{strings.deadLetters.attempts}</th>
                <th scope="col">{strings.deadLetters.deadAt}</th>
                <th scope="col">{strings.deadLetters.state}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id} data-testid="dead-letter-row">
                  <td>
                    <button type="button" class="link-button" onClick={() => void inspect(d.id)}>
                      {d.queue}
                    </button>
                  </td>
                  <td>{d.reason}</td>
                  <td class="num">{d.attempts}</td>
                  <td>{new Date(d.deadAt).toLocaleString()}</td>
                  <td>
                    {d.replayedAt ? (
                      strings.deadLetters.replayed
                    ) : (
                      <button type="button" onClick={() => void replay(d.id)}>
                        {strings.deadLetters.replay}
                      </button>
                    )}
                  </td>
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
      {open && (
        <pre class="dead-letter">
          {JSON.stringify({ headers: open.headers, message: open.message ?? open.rawBody }, null, 2)}
        </pre>
      )}
    </section>
  );
}
