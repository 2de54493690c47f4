/**
 * The signed-in session. The access token lives in memory only; the refresh token is the gateway's httpOnly cookie
 * (`X-Genlake-Session: cookie`), so a reload restores the session with one refresh. The token is renewed a minute
 * before it expires. Renewals are serialised (across tabs too, with the Web Locks API where there is one): the
 * refresh token rotates on every use, and two renewals with the same cookie would sign the login out.
 */
import type { Account } from '@genlake/client';

export type SessionStatus =
  /** Restoring at load, not known yet. */
  | 'restoring'
  | 'signedIn'
  | 'signedOut'
  /** The gateway could not be asked (offline or down): the app works on, and renews when it is back. */
  | 'unreachable';

export type SessionState = { status: SessionStatus; account?: Account };

type TokenAnswer = { accessToken: string; expiresIn: number };

const RENEW_BEFORE_MS = 60_000;
const RETRY_UNREACHABLE_MS = 10_000;
/** A gateway that does not answer a refresh in this time counts as unreachable (the app opens without waiting). */
const REFRESH_TIMEOUT_MS = 8_000;

export class Session {
  private state: SessionState = { status: 'restoring' };
  private token?: string;
  private expiresAt = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private renewing?: Promise<boolean>;
  private readonly listeners = new Set<(s: SessionState) => void>();

  constructor(
    private readonly fetcher: (input: string, init: RequestInit) => Promise<Response> = (i, init) => fetch(i, init),
    private readonly now: () => number = Date.now,
  ) {}

  current(): SessionState {
    return this.state;
  }

  accessToken(): string | undefined {
    return this.token && this.expiresAt > this.now() ? this.token : undefined;
  }

  subscribe(listener: (s: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** At load: a refresh with the cookie restores the session if there is one. */
  restore(): Promise<boolean> {
    return this.renew();
  }

  /** A token to send now, renewing first when it is about to expire; undefined when there is no session. */
  async ensureToken(): Promise<string | undefined> {
    if (this.token && this.expiresAt - this.now() > RENEW_BEFORE_MS / 2) return this.token;
    await this.renew();
    return this.accessToken();
  }

  /** Logs in; answers undefined on success, else the gateway's answer (for the form to show its reason). */
  async login(email: string, password: string): Promise<Response | undefined> {
    const response = await this.post('/api/auth/login', { email, password });
    if (!response.ok) return response;
    await this.accept(await response.json());
    return undefined;
  }

  async logout(): Promise<void> {
    this.clear('signedOut');
    await this.post('/api/auth/logout').catch(() => undefined);
  }

  /** The gateway gives a new session when the password changes; take it. */
  async adopt(answer: TokenAnswer): Promise<void> {
    await this.accept(answer);
  }

  renew(): Promise<boolean> {
    this.renewing ??= this.serialised(() => this.refreshOnce()).finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  async reloadAccount(): Promise<void> {
    const token = this.accessToken();
    if (!token) return;
    const response = await this.fetcher('/api/account', { headers: { authorization: `Bearer ${token}` } }).catch(
      () => undefined,
    );
    if (response?.ok) this.set({ status: 'signedIn', account: await response.json() });
  }

  private async refreshOnce(): Promise<boolean> {
    let response: Response;
    try {
      response = await this.post('/api/auth/refresh', undefined, AbortSignal.timeout(REFRESH_TIMEOUT_MS));
    } catch {
      return this.unreachable();
    }
    if (response.ok) {
      await this.accept(await response.json());
      return true;
    }
    if (response.status >= 500 || response.status === 429) return this.unreachable();
    this.clear('signedOut');
    return false;
  }

  private unreachable(): boolean {
    if (this.state.status !== 'signedIn' || !this.accessToken()) this.set({ ...this.state, status: 'unreachable' });
    this.schedule(RETRY_UNREACHABLE_MS);
    return false;
  }

  private async accept(answer: TokenAnswer): Promise<void> {
    this.token = answer.accessToken;
    this.expiresAt = this.now() + answer.expiresIn * 1000;
    this.schedule(Math.max(1_000, answer.expiresIn * 1000 - RENEW_BEFORE_MS));
    this.set({ ...this.state, status: 'signedIn' });
    await this.reloadAccount();
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), ms);
  }

  private clear(status: SessionStatus): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.token = undefined;
    this.expiresAt = 0;
    this.set({ status });
  }

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  private post(path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { 'X-Genlake-Session': 'cookie' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.fetcher(path, {
      method: 'POST',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    return locks ? (locks.request('genlake-session-refresh', work) as Promise<T>) : work();
  }
}

export const session = new Session();
