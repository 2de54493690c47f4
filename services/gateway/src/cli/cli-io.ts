import type { Readable } from 'node:stream';

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
