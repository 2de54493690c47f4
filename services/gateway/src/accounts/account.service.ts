import { randomUUID } from 'node:crypto';
import { context, type OutboxRepository, outboxMessage, type TransactionSql } from '@genlake/kit';
import { ApiError } from '../api-error';
import { WEB_APP_ROUTES } from '../web/web-app.routes';
import type { AccessTokenIssuer } from './access-token.issuer';
import type { AccountRepository, UserRow } from './account.repository';
import type { LoginThrottle } from './login.throttle';
import { hashOpaqueToken, looksLikeOpaqueToken, newOpaqueToken } from './opaque-token';
import type { PasswordHasher } from './password.hasher';
import { passwordProblem } from './password.policy';
import type { Principal, Role } from './principal';

export interface AccountSettings {
  publicBaseUrl: string;
  refreshTtlDays: number;
  confirmationTtlHours: number;
}

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
}

export interface AccountView {
  id: string;
  email: string;
  role: Role;
  emailConfirmed: boolean;
  notifyOnBatchCompleted: boolean;
  createdAt: string;
}

/**
 * The answer to every registration that passed validation, whether or not the address had an account: a new
 * address gets the confirmation email, an address with an account a warning to its owner. Telling the two apart
 * would let anyone find out which addresses are registered.
 */
export const REGISTRATION_ANSWER = {
  message: 'check your email: a message to this address tells how to go on',
} as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Trimmed email when it has the shape of an address, otherwise a 400 naming the problem. */
export function checkEmail(raw: unknown): string {
  if (typeof raw !== 'string') throw ApiError.badRequest('email must be a string');
  const email = raw.trim();
  if (email.length < 3 || email.length > 254 || !EMAIL.test(email) || hasControlCharacter(email))
    throw ApiError.badRequest('email is not a valid email address');
  return email;
}

export function presentAccount(user: UserRow): AccountView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    emailConfirmed: user.email_confirmed_at !== null,
    notifyOnBatchCompleted: user.notify_batch_completed,
    createdAt: user.created_at.toISOString(),
  };
}

/**
 * The checked email and the password's hash of a new account (400 naming the problem otherwise): registration and
 * the accounts CLI create accounts the same way.
 */
export async function newCredentials(
  hasher: PasswordHasher,
  rawEmail: string,
  password: string,
): Promise<{ email: string; passwordHash: string }> {
  const email = checkEmail(rawEmail);
  const problem = passwordProblem(password, email);
  if (problem) throw ApiError.badRequest(problem);
  return { email, passwordHash: await hasher.hash(password) };
}

function principalOf(user: UserRow): Principal {
  return { id: user.id, role: user.role, emailConfirmed: user.email_confirmed_at !== null };
}

/**
 * Registration, email confirmation, login, refresh-token rotation, logout and password changes. Messages for
 * the notifier (user.registered, user.confirmation-requested, user.registration-attempted) are written to the
 * outbox in the same transaction as the rows they announce.
 */
export class AccountService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly outbox: OutboxRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccessTokenIssuer,
    private readonly throttle: LoginThrottle,
    private readonly settings: AccountSettings,
  ) {}

  /**
   * Creates an account and sends the confirmation link; for an address that has an account already, tells its
   * owner instead. Both answer the same (REGISTRATION_ANSWER) after the same work, the password hashed included, so
   * neither the answer nor its timing says whether the address is registered.
   */
  async register(input: {
    email: string;
    password: string;
    notifyOnBatchCompleted: boolean;
  }): Promise<typeof REGISTRATION_ANSWER> {
    const credentials = await newCredentials(this.hasher, input.email, input.password);
    await this.accounts.transaction(async (tx) => {
      const user = await this.accounts.insertUser(tx, {
        ...credentials,
        role: 'user',
        confirmed: false,
        notifyBatchCompleted: input.notifyOnBatchCompleted,
      });
      if (!user) {
        const owner = await this.accounts.findByEmail(credentials.email, tx);
        if (!owner) return; // deleted in between: nobody to tell
        const message = outboxMessage(
          'user.registration-attempted',
          { userId: owner.id, email: owner.email, attemptedAt: new Date().toISOString() },
          { correlationId: context.correlationId() },
        );
        await this.outbox.add(tx, message);
        return;
      }
      const link = await this.newConfirmation(tx, user.id);
      const message = outboxMessage(
        'user.registered',
        {
          userId: user.id,
          email: user.email,
          registeredAt: user.created_at.toISOString(),
          confirmationUrl: link.url,
          confirmationExpiresAt: link.expiresAt.toISOString(),
        },
        { correlationId: context.correlationId() },
      );
      await this.outbox.add(tx, message);
    });
    return REGISTRATION_ANSWER;
  }

  /** A new confirmation link for an unconfirmed account. Says nothing about whether the email is registered. */
  async requestConfirmation(rawEmail: string): Promise<void> {
    const email = checkEmail(rawEmail);
    await this.accounts.transaction(async (tx) => {
      const user = await this.accounts.findByEmail(email, tx);
      if (!user || user.email_confirmed_at) return;
      const link = await this.newConfirmation(tx, user.id);
      const message = outboxMessage(
        'user.confirmation-requested',
        {
          userId: user.id,
          email: user.email,
          confirmationUrl: link.url,
          confirmationExpiresAt: link.expiresAt.toISOString(),
        },
        { correlationId: context.correlationId() },
      );
      await this.outbox.add(tx, message);
    });
  }

  /** Uses a confirmation link: once, before it expires. */
  async confirm(token: unknown): Promise<AccountView> {
    if (!looksLikeOpaqueToken(token)) throw ApiError.badRequest('the confirmation token is malformed');
    const tokenHash = hashOpaqueToken(token);
    return this.accounts.transaction(async (tx) => {
      const row = await this.accounts.lockConfirmation(tx, tokenHash);
      if (!row) throw ApiError.badRequest('this confirmation link is not valid');
      if (row.used_at) throw new ApiError(409, 'this confirmation link has been used already');
      if (row.expires_at.getTime() <= Date.now())
        throw new ApiError(410, 'this confirmation link has expired; ask for a new one (POST /api/auth/confirmation)');
      await this.accounts.confirm(tx, tokenHash, row.user_id);
      const user = await this.accounts.findById(row.user_id, tx);
      return presentAccount(user!);
    });
  }

  async login(rawEmail: string, password: string, address: string): Promise<TokenPair> {
    const email = checkEmail(rawEmail);
    await this.throttle.check(email, address);
    const user = await this.accounts.findByEmail(email);
    const ok = user ? await this.hasher.verify(user.password_hash, password) : await this.hasher.verifyNobody(password);
    if (!user || !ok) {
      await this.throttle.failed(email, address);
      throw new ApiError(401, 'the email address or the password is wrong');
    }
    await this.throttle.succeeded(email);
    if (this.hasher.needsRehash(user.password_hash))
      await this.accounts.rehash(user.id, await this.hasher.hash(password));
    return this.issue(user, randomUUID());
  }

  /**
   * Rotates a refresh token: the presented one is spent and a new one of the same family returned. A token
   * presented a second time means a copy exists elsewhere: the whole family is revoked.
   */
  async refresh(token: unknown): Promise<TokenPair> {
    if (!looksLikeOpaqueToken(token)) throw new ApiError(401, 'the refresh token is not valid');
    const tokenHash = hashOpaqueToken(token);
    const outcome = await this.accounts.transaction(async (tx) => {
      const row = await this.accounts.lockRefreshToken(tx, tokenHash);
      if (!row || row.revoked_at) return { error: 'the refresh token is not valid; log in again' };
      if (row.used_at) {
        await this.accounts.revokeFamily(tx, row.family_id, 'reused');
        return { error: 'the refresh token was used already; every session of that login is signed out' };
      }
      if (row.expires_at.getTime() <= Date.now()) return { error: 'the refresh token has expired; log in again' };
      const user = await this.accounts.findById(row.user_id, tx);
      if (!user) return { error: 'the account no longer exists' };
      await this.accounts.markRefreshTokenUsed(tx, row.id);
      return { pair: await this.issue(user, row.family_id, tx) };
    });
    if ('error' in outcome) throw new ApiError(401, outcome.error!);
    return outcome.pair;
  }

  /** Signs out the login the refresh token belongs to. Unknown tokens are ignored (logging out twice is fine). */
  async logout(token: unknown): Promise<void> {
    if (!looksLikeOpaqueToken(token)) throw ApiError.badRequest('refreshToken is malformed');
    await this.accounts.transaction(async (tx) => {
      const row = await this.accounts.lockRefreshToken(tx, hashOpaqueToken(token));
      if (row) await this.accounts.revokeFamily(tx, row.family_id, 'logout');
    });
  }

  /** Changes the password, signs out every other session, and returns tokens of a new session. */
  async changePassword(principal: Principal, current: string, next: string, address: string): Promise<TokenPair> {
    const user = await this.accounts.findById(principal.id);
    if (!user) throw new ApiError(401, 'the account no longer exists');
    await this.throttle.check(user.email, address);
    if (!(await this.hasher.verify(user.password_hash, current))) {
      await this.throttle.failed(user.email, address);
      throw ApiError.badRequest('the current password is wrong');
    }
    const problem = passwordProblem(next, user.email);
    if (problem) throw ApiError.badRequest(problem);
    if (current.normalize('NFKC') === next.normalize('NFKC'))
      throw ApiError.badRequest('the new password must differ from the current one');
    const hash = await this.hasher.hash(next);
    return this.accounts.transaction(async (tx) => {
      await this.accounts.updatePasswordHash(user.id, hash, tx);
      await this.accounts.revokeAllOfUser(tx, user.id, 'password changed');
      return this.issue(user, randomUUID(), tx);
    });
  }

  async account(principal: Principal): Promise<AccountView> {
    const user = await this.accounts.findById(principal.id);
    if (!user) throw new ApiError(401, 'the account no longer exists');
    return presentAccount(user);
  }

  async updatePreferences(principal: Principal, prefs: { notifyOnBatchCompleted: boolean }): Promise<AccountView> {
    const user = await this.accounts.setPreferences(principal.id, {
      notifyBatchCompleted: prefs.notifyOnBatchCompleted,
    });
    if (!user) throw new ApiError(401, 'the account no longer exists');
    return presentAccount(user);
  }

  /** True when the account's address is confirmed now (the token may predate the confirmation). */
  async isConfirmed(principal: Principal): Promise<boolean> {
    if (principal.emailConfirmed) return true;
    const user = await this.accounts.findById(principal.id);
    return Boolean(user?.email_confirmed_at);
  }

  private async issue(user: UserRow, familyId: string, tx?: TransactionSql): Promise<TokenPair> {
    const refreshToken = newOpaqueToken();
    const refreshExpiresAt = new Date(Date.now() + this.settings.refreshTtlDays * 86_400_000);
    await this.accounts.insertRefreshToken(tx ?? this.accounts.sql, {
      id: randomUUID(),
      userId: user.id,
      familyId,
      tokenHash: hashOpaqueToken(refreshToken),
      expiresAt: refreshExpiresAt,
    });
    return {
      tokenType: 'Bearer',
      accessToken: await this.tokens.issue(principalOf(user)),
      expiresIn: this.tokens.ttlSeconds,
      refreshToken,
      refreshExpiresAt: refreshExpiresAt.toISOString(),
    };
  }

  private async newConfirmation(tx: TransactionSql, userId: string): Promise<{ url: string; expiresAt: Date }> {
    const token = newOpaqueToken();
    const expiresAt = new Date(Date.now() + this.settings.confirmationTtlHours * 3_600_000);
    await this.accounts.insertConfirmation(tx, userId, hashOpaqueToken(token), expiresAt);
    const url = new URL(WEB_APP_ROUTES.confirm, this.settings.publicBaseUrl);
    url.searchParams.set('token', token);
    return { url: url.toString(), expiresAt };
  }
}
