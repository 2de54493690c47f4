import { ApiError } from '../api-error';
import type { AccountRepository } from './account.repository';
import { type AccountView, checkEmail, newCredentials, presentAccount } from './account.service';
import type { PasswordHasher } from './password.hasher';
import type { Role } from './principal';

/** What the accounts CLI does with direct database access: the first operator, role changes. */
export class AccountAdmin {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async createUser(input: { email: string; password: string; role: Role; confirmed: boolean }): Promise<AccountView> {
    const credentials = await newCredentials(this.hasher, input.email, input.password);
    const user = await this.accounts.transaction((tx) =>
      this.accounts.insertUser(tx, {
        ...credentials,
        role: input.role,
        confirmed: input.confirmed,
        notifyBatchCompleted: false,
      }),
    );
    if (!user) throw new ApiError(409, `an account with the email address ${credentials.email} exists`);
    return presentAccount(user);
  }

  async setRole(rawEmail: string, role: Role): Promise<AccountView> {
    const user = await this.accounts.findByEmail(checkEmail(rawEmail));
    if (!user) throw ApiError.notFound(`no account with the email address ${rawEmail}`);
    await this.accounts.setRole(user.id, role);
    return presentAccount({ ...user, role });
  }

  async show(rawEmail: string): Promise<AccountView> {
    const user = await this.accounts.findByEmail(checkEmail(rawEmail));
    if (!user) throw ApiError.notFound(`no account with the email address ${rawEmail}`);
    return presentAccount(user);
  }
}
