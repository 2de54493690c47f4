import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api-error';
import type { TokenPair } from './account.service';

/**
 * The browser form of a session (docs/security.md, "Browser sessions and CSRF"): a request that carries
 * `X-Genlake-Session: cookie` gets its refresh token as an httpOnly cookie scoped to the auth routes instead of
 * in the JSON body, and refreshes / logs out with that cookie. API clients that send no such header keep the
 * JSON body form.
 */
export const SESSION_HEADER = 'x-genlake-session';
export const SESSION_HEADER_VALUE = 'cookie';
export const REFRESH_COOKIE = 'genlake_refresh';
/** The only routes the browser sends the cookie to. */
export const REFRESH_COOKIE_PATH = '/api/auth';

/** What the browser receives instead of a TokenPair: the refresh token never reaches its scripts. */
export type CookieSession = Omit<TokenPair, 'refreshToken'>;

/**
 * True when the request asks for the cookie form. Such a request must come from this origin: a custom header
 * cannot be sent cross-origin without a CORS preflight (the gateway answers none), and when the browser names
 * an Origin it must be ours (403 otherwise).
 */
export function wantsCookieSession(req: FastifyRequest, publicBaseUrl: string): boolean {
  const mode = req.headers[SESSION_HEADER];
  if (mode === undefined) return false;
  if (mode !== SESSION_HEADER_VALUE) throw ApiError.badRequest(`${SESSION_HEADER} must be "${SESSION_HEADER_VALUE}"`);
  const origin = req.headers.origin;
  if (origin !== undefined && !isSameOrigin(origin, req.headers.host, publicBaseUrl)) {
    throw new ApiError(403, `requests from the origin ${origin.slice(0, 200)} may not use the session cookie`);
  }
  return true;
}

function isSameOrigin(origin: string, host: string | undefined, publicBaseUrl: string): boolean {
  if (origin === new URL(publicBaseUrl).origin) return true;
  try {
    const url = new URL(origin);
    // The gateway's own address (a developer machine, a test): the Origin names the host the request went to.
    return host !== undefined && url.host === host && (url.protocol === 'http:' || url.protocol === 'https:');
  } catch {
    return false;
  }
}

/** The refresh token of the cookie; a 401 with the reason when there is none. */
export function refreshTokenFromCookie(req: FastifyRequest): string {
  const token = req.cookies?.[REFRESH_COOKIE];
  if (!token) throw new ApiError(401, `no session cookie (${REFRESH_COOKIE}); log in again`);
  return token;
}

/** Sets the refresh token as the cookie and returns the rest of the pair for the body. */
export function sendCookieSession(reply: FastifyReply, pair: TokenPair): CookieSession {
  const { refreshToken, ...session } = pair;
  void reply.setCookie(REFRESH_COOKIE, refreshToken, {
    httpOnly: true,
    // Browsers treat http://localhost as a secure context, so Secure works on a developer machine too.
    secure: true,
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAge: Math.max(0, Math.ceil((Date.parse(pair.refreshExpiresAt) - Date.now()) / 1000)),
  });
  void reply.header('cache-control', 'no-store');
  return session;
}

export function clearCookieSession(reply: FastifyReply): void {
  void reply.clearCookie(REFRESH_COOKIE, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
  });
}
