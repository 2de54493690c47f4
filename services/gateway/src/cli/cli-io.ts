import type { Readable } from 'node:stream';
import { type Command, CommanderError } from 'commander';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env?: Record<string, string | undefined>;
  stdin?: Readable;
  /** fetch for API calls (tests may pass their own); default the global fetch. */
  fetch?: typeof fetch;
}

export function errorMessage(err: unknown): string {
  const e = err as { message?: string; response?: { message?: string } };
  return e?.response?.message ?? e?.message ?? String(err);
}

export async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin ?? process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses `argv` with a commander program (built with `exitOverride()`); the exit code is commander's for usage
 * errors, 1 for a failure, else what the commands recorded (`code()`).
 */
export async function parseCommands(program: Command, argv: string[], io: CliIo, code: () => number): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' ? 0 : err.exitCode || 1;
    io.stderr(`error: ${errorMessage(err)}\n`);
    return 1;
  }
  return code();
}

/** Runs a CLI on this process's arguments and streams, setting the exit code. */
export function runAsMain(cli: (argv: string[], io: CliIo) => Promise<number>): void {
  void cli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  }).then((c) => {
    process.exitCode = c;
  });
}
