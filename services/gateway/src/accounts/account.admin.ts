import { ApiError } from '../api-error';
import type { AccountRepository } from './account.repository';
import { type AccountView, checkEmail, presentAccount } from './account.service';
import type { PasswordHasher } from './password.hasher';
import { passwordProblem } from './password.policy';
import type { Role } from './principal';

/** What the accounts CLI does with direct database access: the first operator, role changes. */
export class AccountAdmin {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async createUser(input: { email: string; password: string; role: Role; confirmed: boolean }): Promise<AccountView> {
    const email = checkEmail(input.email);
    const problem = passwordProblem(input.password, email);
    if (problem) throw ApiError.badRequest(problem);
    const passwordHash = await this.hasher.hash(input.password);
    return this.accounts.transaction(async (tx) => {
      const user = await this.accounts.insertUser(tx, {
        email,
        passwordHash,
        role: input.role,
        confirmed: input.confirmed,
        notifyBatchCompleted: false,
      });
      if (!user) throw new ApiError(409, `an account with the email address ${email} exists`);
      return presentAccount(user);
    });
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
