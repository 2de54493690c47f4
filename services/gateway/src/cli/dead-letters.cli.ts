#!/usr/bin/env node
import { SERVICES } from '@genlake/contracts';
import { Command, Option } from 'commander';
import { redactSecrets } from '../dead-letters/redact';
import { type CliIo, errorMessage, parseCommands, runAsMain } from './cli-io';

interface ApiOptions {
  api: string;
  token?: string;
  email?: string;
}

class ApiFailure extends Error {}

/** Calls the gateway's dead-letter API as an operator (a token, or an email + GENLAKE_PASSWORD to log in). */
class DeadLetterApi {
  private token: string | undefined;

  constructor(
    private readonly options: ApiOptions,
    private readonly io: CliIo,
  ) {
    this.token = options.token;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const doFetch = this.io.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(new URL(path, this.options.api), {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new ApiFailure(`cannot reach the genlake API at ${this.options.api}: ${errorMessage(err)}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const reason = (json as { message?: string } | undefined)?.message ?? text.slice(0, 300);
      throw new ApiFailure(`${method} ${path} answered ${res.status}: ${reason}`);
    }
    return json;
  }

  async signIn(): Promise<void> {
    if (this.token) return;
    const password = (this.io.env ?? process.env).GENLAKE_PASSWORD;
    if (!this.options.email || !password)
      throw new ApiFailure('sign in: set GENLAKE_TOKEN, or --email with GENLAKE_PASSWORD (an operator account)');
    const tokens = (await this.call('POST', '/api/auth/login', { email: this.options.email, password })) as {
      accessToken: string;
    };
    this.token = tokens.accessToken;
  }

  async get(path: string) {
    await this.signIn();
    return this.call('GET', path);
  }

  async post(path: string) {
    await this.signIn();
    return this.call('POST', path);
  }
}

interface Letter {
  id: string;
  queue: string;
  messageType: string | null;
  reason: string;
  attempts: number;
  deadAt: string;
  replayedAt: string | null;
}

function table(items: Letter[]): string {
  if (items.length === 0) return 'no dead letters\n';
  const rows = items.map((l) => [
    l.id,
    l.deadAt,
    l.queue,
    l.messageType ?? '?',
    String(l.attempts),
    l.replayedAt ? `replayed ${l.replayedAt}` : 'open',
    l.reason.replace(/\s+/g, ' ').slice(0, 80),
  ]);
  const head = ['id', 'dead at', 'queue', 'type', 'attempts', 'state', 'reason'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return `${[head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** `npm run dead-letters -- list|show <id>|replay <id>`: the operators' view of the dead letters. */
export async function runDeadLettersCli(argv: string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  let code = 0;
  const program = new Command('dead-letters')
    .description('list, inspect and replay dead letters through the genlake API (operator role)')
    .option('--api <url>', 'genlake API base URL', env.GENLAKE_API_URL || `http://localhost:${SERVICES.gateway.port}`)
    .option('--email <address>', 'operator email to log in with (password from GENLAKE_PASSWORD)', env.GENLAKE_EMAIL)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const api = () => {
    const o = program.opts<{ api: string; email?: string }>();
    try {
      new URL(o.api);
    } catch {
      throw new ApiFailure(`--api is not a URL: ${o.api}`);
    }
    return new DeadLetterApi({ api: o.api, email: o.email, token: env.GENLAKE_TOKEN }, io);
  };
  const run = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      io.stderr(`error: ${errorMessage(err)}\n`);
      code = 1;
    }
  };
  program
    .command('list')
    .description('list dead letters, newest first')
    .option('--queue <queue>', 'only this queue')
    .addOption(
      new Option('--state <state>', 'open (not replayed), replayed or all')
        .choices(['open', 'replayed', 'all'])
        .default('open'),
    )
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON', false)
    .action((opts: { queue?: string; state: string; limit: string; json: boolean }) =>
      run(async () => {
        const params = new URLSearchParams({ state: opts.state, limit: opts.limit });
        if (opts.queue) params.set('queue', opts.queue);
        // Redacted here too (the gateway redacts already): a gateway of an older version may not.
        const page = redactSecrets((await api().get(`/api/dead-letters?${params}`)) as { items: Letter[] });
        io.stdout(opts.json ? `${JSON.stringify(page, null, 2)}\n` : table(page.items));
      }),
    );
  program
    .command('show')
    .description('show one dead letter with its message and headers')
    .argument('<id>', 'dead letter id')
    .action((id: string) =>
      run(async () => {
        const letter = redactSecrets(await api().get(`/api/dead-letters/${encodeURIComponent(id)}`));
        io.stdout(`${JSON.stringify(letter, null, 2)}\n`);
      }),
    );
  program
    .command('replay')
    .description('send a dead letter back to the queue it died in')
    .argument('<id>', 'dead letter id')
    .option('--force', 'replay even if it was replayed before', false)
    .action((id: string, opts: { force: boolean }) =>
      run(async () => {
        const path = `/api/dead-letters/${encodeURIComponent(id)}/replay${opts.force ? '?force=true' : ''}`;
        const letter = (await api().post(path)) as Letter;
        io.stdout(`replayed ${letter.id} to ${letter.queue} at ${letter.replayedAt}\n`);
      }),
    );
  return parseCommands(program, argv, io, () => code);
}

if (require.main === module) runAsMain(runDeadLettersCli);
