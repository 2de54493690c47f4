import type { Sql, TransactionSql } from '@genlake/kit';
import type { Role } from './principal';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  email_confirmed_at: Date | null;
  notify_batch_completed: boolean;
  created_at: Date;
}

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface ConfirmationRow {
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
}

const USER_COLUMNS = 'id, email, password_hash, role, email_confirmed_at, notify_batch_completed, created_at';

/** Users, their email confirmations and refresh tokens (all tokens stored as SHA-256 hashes). */
export class AccountRepository {
  constructor(readonly sql: Sql) {}

  transaction<T>(fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
    return this.sql.begin(fn) as Promise<T>;
  }

  async findByEmail(email: string, tx: Sql | TransactionSql = this.sql): Promise<UserRow | undefined> {
    const [row] = await tx<UserRow[]>`
      select ${tx.unsafe(USER_COLUMNS)} from users where lower(email) = lower(${email})`;
    return row;
  }

  async findById(id: string, tx: Sql | TransactionSql = this.sql): Promise<UserRow | undefined> {
    const [row] = await tx<UserRow[]>`select ${tx.unsafe(USER_COLUMNS)} from users where id = ${id}`;
    return row;
  }

  /** Inserts the user; undefined when the email is taken (in any letter case). */
  async insertUser(
    tx: TransactionSql,
    user: { email: string; passwordHash: string; role: Role; confirmed: boolean; notifyBatchCompleted: boolean },
  ): Promise<UserRow | undefined> {
    const [row] = await tx<UserRow[]>`
      insert into users (email, password_hash, role, email_confirmed_at, notify_batch_completed)
      values (${user.email}, ${user.passwordHash}, ${user.role}, ${user.confirmed ? tx`now()` : null},
              ${user.notifyBatchCompleted})
      on conflict do nothing
      returning ${tx.unsafe(USER_COLUMNS)}`;
    return row;
  }

  async updatePasswordHash(userId: string, hash: string, tx: Sql | TransactionSql = this.sql): Promise<void> {
    await tx`update users set password_hash = ${hash}, password_changed_at = now(), updated_at = now() where id = ${userId}`;
  }

  /** Replaces the hash without counting as a password change (a rehash with newer parameters). */
  async rehash(userId: string, hash: string): Promise<void> {
    await this.sql`update users set password_hash = ${hash} where id = ${userId}`;
  }

  async setRole(userId: string, role: Role): Promise<void> {
    await this.sql`update users set role = ${role}, updated_at = now() where id = ${userId}`;
  }

  async setPreferences(userId: string, prefs: { notifyBatchCompleted: boolean }): Promise<UserRow | undefined> {
    const [row] = await this.sql<UserRow[]>`
      update users set notify_batch_completed = ${prefs.notifyBatchCompleted}, updated_at = now()
      where id = ${userId} returning ${this.sql.unsafe(USER_COLUMNS)}`;
    return row;
  }

  async insertConfirmation(tx: TransactionSql, userId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await tx`insert into email_confirmations (token_hash, user_id, expires_at) values (${tokenHash}, ${userId}, ${expiresAt})`;
  }

  async lockConfirmation(tx: TransactionSql, tokenHash: string): Promise<ConfirmationRow | undefined> {
    const [row] = await tx<ConfirmationRow[]>`
      select user_id, expires_at, used_at from email_confirmations where token_hash = ${tokenHash} for update`;
    return row;
  }

  /** Uses the link and confirms the address (a second confirmation keeps the first time). */
  async confirm(tx: TransactionSql, tokenHash: string, userId: string): Promise<void> {
    await tx`update email_confirmations set used_at = now() where token_hash = ${tokenHash}`;
    await tx`
      update users set email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() where id = ${userId}`;
  }

  async insertRefreshToken(
    tx: Sql | TransactionSql,
    token: { id: string; userId: string; familyId: string; tokenHash: string; expiresAt: Date },
  ): Promise<void> {
    await tx`
      insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at)
      values (${token.id}, ${token.userId}, ${token.familyId}, ${token.tokenHash}, ${token.expiresAt})`;
  }

  async lockRefreshToken(tx: TransactionSql, tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const [row] = await tx<RefreshTokenRow[]>`
      select id, user_id, family_id, expires_at, used_at, revoked_at from refresh_tokens
      where token_hash = ${tokenHash} for update`;
    return row;
  }

  async markRefreshTokenUsed(tx: TransactionSql, id: string): Promise<void> {
    await tx`update refresh_tokens set used_at = now() where id = ${id}`;
  }

  async revokeFamily(tx: Sql | TransactionSql, familyId: string, reason: string): Promise<number> {
    const res = await tx`
      update refresh_tokens set revoked_at = now(), revoked_reason = ${reason}
      where family_id = ${familyId} and revoked_at is null`;
    return res.count;
  }

  async revokeAllOfUser(tx: Sql | TransactionSql, userId: string, reason: string): Promise<number> {
    const res = await tx`
      update refresh_tokens set revoked_at = now(), revoked_reason = ${reason}
      where user_id = ${userId} and revoked_at is null`;
    return res.count;
  }
}
