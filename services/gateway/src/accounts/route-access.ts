import type { Role } from './principal';

/**
 * Who may call a route, set with Nest's `@RouteConfig(...)` so that the gateway's Fastify `onRequest` hook
 * reads it before the body is parsed: an unauthenticated upload is refused before a byte of it is read.
 * Routes under /api without a RouteConfig need a valid access token (any role).
 */
export interface RouteAccess {
  /** No token needed. */
  public?: boolean;
  /** The stricter per-address budget of the account routes (register, login, refresh, confirmation). */
  authLimited?: boolean;
  /** Only these roles (others get 403). */
  roles?: readonly Role[];
}
