import type { Sql } from '@genlake/kit';

/** What the notifier needs to know about a user (table `users`, owned by the gateway). */
export interface UserContact {
  id: string;
  email: string;
  role: 'user' | 'operator';
  emailConfirmed: boolean;
  /** The user asked for an email when one of their batches is completed. */
  notifyBatchCompleted: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a string that is a user id; batches from before accounts have the owner `public`. */
export function isUserId(value: string): boolean {
  return UUID.test(value);
}

/** Reads users: who gets an email, and who the operators are. */
export class UserDirectory {
  constructor(private readonly sql: Sql) {}

  /** The user with this id; undefined for an unknown id or one that is not a user id at all. */
  async byId(id: string): Promise<UserContact | undefined> {
    if (!isUserId(id)) return undefined;
    const [row] = await this.sql<
      Array<{ id: string; email: string; role: 'user' | 'operator'; confirmed: boolean; notify: boolean }>
    >`
      select id, email, role, email_confirmed_at is not null as confirmed, notify_batch_completed as notify
      from users where id = ${id}`;
    if (!row) return undefined;
    return {
      id: row.id,
      email: row.email,
      role: row.role,
      emailConfirmed: row.confirmed,
      notifyBatchCompleted: row.notify,
    };
  }

  /** The email addresses of the operators who confirmed their address. */
  async operatorEmails(): Promise<string[]> {
    const rows = await this.sql<Array<{ email: string }>>`
      select email from users where role = 'operator' and email_confirmed_at is not null order by created_at, id`;
    return rows.map((r) => r.email);
  }
}
