import { describe, expect, it } from 'vitest';
import { Session } from './session';

const tokens = { accessToken: 'jwt-1', expiresIn: 900, tokenType: 'Bearer' };
const account = { id: 'u', email: 'me@example.com', role: 'user', emailConfirmed: true };

function fakeGateway(refresh: () => Promise<Response>) {
  const calls: { path: string; headers: Record<string, string> }[] = [];
  const fetcher = async (path: string, init: RequestInit) => {
    calls.push({ path, headers: (init.headers ?? {}) as Record<string, string> });
    if (path === '/api/auth/refresh') return refresh();
    if (path === '/api/account') return Response.json(account);
    return new Response(null, { status: 204 });
  };
  return { calls, fetcher };
}

describe('Session', () => {
  it('restores with one cookie refresh (X-Genlake-Session: cookie) and keeps the token in memory', async () => {
    const gw = fakeGateway(async () => Response.json(tokens));
    const session = new Session(gw.fetcher);
    expect(await session.restore()).toBe(true);
    expect(session.current()).toMatchObject({ status: 'signedIn', account: { email: 'me@example.com' } });
    expect(session.accessToken()).toBe('jwt-1');
    expect(gw.calls[0]).toMatchObject({ path: '/api/auth/refresh', headers: { 'X-Genlake-Session': 'cookie' } });
    expect(gw.calls[1]?.headers).toMatchObject({ authorization: 'Bearer jwt-1' });
    expect(globalThis.localStorage?.length ?? 0).toBe(0);
    await session.logout();
  });

  it('renews once however many callers ask at the same time (the refresh token rotates)', async () => {
    const gw = fakeGateway(async () => Response.json(tokens));
    const session = new Session(gw.fetcher);
    await Promise.all([session.renew(), session.renew(), session.renew()]);
    expect(gw.calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1);
    await session.logout();
  });

  it('a 401 is signed out; an outage or a 503 is unreachable, not signed out', async () => {
    const out = new Session(fakeGateway(async () => Response.json({ message: 'no session' }, { status: 401 })).fetcher);
    await out.restore();
    expect(out.current().status).toBe('signedOut');

    const down = new Session(
      fakeGateway(async () => {
        throw new TypeError('Failed to fetch');
      }).fetcher,
    );
    expect(await down.restore()).toBe(false);
    expect(down.current().status).toBe('unreachable');
    await down.logout();

    const busy = new Session(fakeGateway(async () => new Response('{}', { status: 503 })).fetcher);
    await busy.restore();
    expect(busy.current().status).toBe('unreachable');
    await busy.logout();
  });
});
