#!/usr/bin/env node
import { createDatabase } from '@genlake/kit';
import { Command, Option } from 'commander';
import { AccountAdmin } from '../accounts/account.admin';
import { AccountRepository } from '../accounts/account.repository';
import { PasswordHasher } from '../accounts/password.hasher';
import { ROLES, type Role } from '../accounts/principal';
import { type CliIo, errorMessage, parseCommands, readStdin, runAsMain } from './cli-io';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/genlake';

/**
 * Account administration with direct database access (DATABASE_URL): create the first operator, change a role,
 * show an account. The password comes from GENLAKE_PASSWORD or stdin (--password-stdin), never an argument.
 */
export async function runAccountsCli(argv: string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  let code = 0;
  const withAdmin = async (fn: (admin: AccountAdmin) => Promise<unknown>) => {
    const sql = createDatabase(env.DATABASE_URL || DEFAULT_DATABASE_URL, {
      max: 2,
      applicationName: 'genlake-accounts-cli',
    });
    try {
      const result = await fn(new AccountAdmin(new AccountRepository(sql), new PasswordHasher()));
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } catch (err) {
      io.stderr(`error: ${errorMessage(err)}\n`);
      code = 1;
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
  const program = new Command('accounts')
    .description('genlake accounts (direct database access through DATABASE_URL)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  program
    .command('create')
    .description('create an account (for example the first operator)')
    .requiredOption('--email <address>', 'email address')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).default('user'))
    .option('--confirmed', 'mark the email address as confirmed', false)
    .option('--password-stdin', 'read the password from stdin instead of GENLAKE_PASSWORD', false)
    .action(async (opts: { email: string; role: Role; confirmed: boolean; passwordStdin: boolean }) => {
      const password = opts.passwordStdin ? (await readStdin(io)).replace(/\r?\n$/, '') : env.GENLAKE_PASSWORD;
      if (!password) {
        io.stderr('error: no password: set GENLAKE_PASSWORD or pass --password-stdin\n');
        code = 1;
        return;
      }
      await withAdmin((admin) =>
        admin.createUser({ email: opts.email, password, role: opts.role, confirmed: opts.confirmed }),
      );
    });
  program
    .command('role')
    .description("change an account's role")
    .argument('<email>', 'email address of the account')
    .addArgument(program.createArgument('<role>', 'new role').choices(ROLES))
    .action(async (email: string, role: Role) => withAdmin((admin) => admin.setRole(email, role)));
  program
    .command('show')
    .description('show an account')
    .argument('<email>', 'email address of the account')
    .action(async (email: string) => withAdmin((admin) => admin.show(email)));
  return parseCommands(program, argv, io, () => code);
}

if (require.main === module) runAsMain(runAccountsCli);
