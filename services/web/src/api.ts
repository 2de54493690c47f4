/**
 * The one gateway client of the app (typed from the gateway's OpenAPI document). Every request carries the
 * in-memory access token when there is one; the app and the API share an origin.
 */
import { createClient, type GenlakeClient, isApiError } from '@genlake/client';
import { session } from './auth/session';

export const origin = globalThis.location?.origin ?? 'http://localhost';

export const api: GenlakeClient = createClient({ baseUrl: origin });
api.use({
  onRequest({ request }) {
    const token = session.accessToken();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
});

/** The header that asks the gateway for the cookie session (and is the CSRF defence of the auth routes). */
export const cookieSession = { 'X-Genlake-Session': 'cookie' } as const;

/** What a page shows for a failed read: the gateway's reason for a 4xx; nothing alarming for an outage. */
export type ReadFailure = { kind: 'outage' } | { kind: 'refused'; status: number; message: string };

export function readFailure(response: Response | undefined, body: unknown): ReadFailure {
  if (!response || response.status >= 500 || response.status === 429 || response.status === 408) {
    return { kind: 'outage' };
  }
  return { kind: 'refused', status: response.status, message: isApiError(body) ? body.message : response.statusText };
}

/**
 * Runs a read; after a 401 renews the session once and runs it again. A network error comes back as an outage
 * (no response), never as a thrown error.
 */
export async function authed<T extends { response: Response; error?: unknown }>(
  call: () => Promise<T>,
): Promise<T | { response: undefined; error: undefined; data: undefined }> {
  const run = () => call().catch(() => ({ response: undefined, error: undefined, data: undefined }));
  const first = await run();
  if (first.response?.status !== 401) return first;
  if (!(await session.renew())) return first;
  return run();
}
