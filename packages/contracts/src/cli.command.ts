/**
 * The `genlake-contracts` command line, as a function (the bin in cli.ts only wires it to the process).
 *
 *   genlake-contracts validate <file.json|file.ndjson|-> [more files] [--schema <name>] [--ndjson]
 *   genlake-contracts list
 */
import { open, readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { hasSchema, schemaNames, validateAs, validateMessage } from './validator';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** What `-` reads: a stream (process.stdin) or the text itself. */
  stdin?: NodeJS.ReadableStream | string;
  /** Directory relative file names resolve against. Default: INIT_CWD (set by npm run) or the process cwd. */
  cwd?: string;
}

export const USAGE = `Usage:
  genlake-contracts validate <file> [<file>...] [--schema <name>] [--ndjson]
      Validates JSON files against the genlake contracts. By default a file is a message envelope and its
      schema is chosen by its "type" and "version"; --schema validates against any schema by name (see list).
      <file> may be - for stdin. Files ending in .ndjson or .jsonl (or with --ndjson) are validated line by line.
      Exit code: 0 valid, 1 invalid, 2 unreadable file, bad JSON or unknown schema.
  genlake-contracts list
      Prints the name of every schema.
From the repository root: npm run contracts -- validate <file>`;

/** Report at most this many invalid NDJSON lines in detail. */
const MAX_REPORTED_LINES = 100;

const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

class Output {
  readonly out: string[] = [];
  readonly err: string[] = [];
  result(code: number): CliResult {
    const join = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
    return { code, stdout: join(this.out), stderr: join(this.err) };
  }
}

export async function run(argv: string[], options: CliOptions = {}): Promise<CliResult> {
  const output = new Output();
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    output.err.push(`error: ${messageOf(error)}`, '', USAGE);
    return output.result(EXIT_USAGE);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;

  if (values.help || command === 'help') {
    output.out.push(USAGE);
    return output.result(EXIT_OK);
  }
  if (command === 'list') {
    if (args.length) {
      output.err.push(`error: list takes no arguments`, '', USAGE);
      return output.result(EXIT_USAGE);
    }
    output.out.push(...schemaNames());
    return output.result(EXIT_OK);
  }
  if (command === 'validate') {
    if (!args.length) {
      output.err.push('error: validate needs a file (or - for stdin)', '', USAGE);
      return output.result(EXIT_USAGE);
    }
    if (values.schema !== undefined && !hasSchema(values.schema)) {
      output.err.push(`error: unknown schema "${values.schema}" (known: ${schemaNames().join(', ')})`);
      return output.result(EXIT_USAGE);
    }
    let code = EXIT_OK;
    for (const file of args) {
      const fileCode = await validateFile(file, values.schema, values.ndjson ?? false, options, output);
      code = Math.max(code, fileCode);
    }
    return output.result(code);
  }
  output.err.push(command === undefined ? 'error: missing command' : `error: unknown command "${command}"`, '', USAGE);
  return output.result(EXIT_USAGE);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      schema: { type: 'string', short: 's' },
      ndjson: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Check = (value: unknown) => { ok: true; type: string; version: number } | { ok: false; errors: string[] };

function checker(schema: string | undefined): Check {
  return schema === undefined ? validateMessage : (value) => validateAs(schema, value);
}

async function validateFile(
  file: string,
  schema: string | undefined,
  forceNdjson: boolean,
  options: CliOptions,
  output: Output,
): Promise<number> {
  const check = checker(schema);
  const isStdin = file === '-';
  const name = isStdin ? '<stdin>' : file;
  const path = isStdin
    ? file
    : isAbsolute(file)
      ? file
      : resolve(options.cwd ?? process.env.INIT_CWD ?? process.cwd(), file);
  const ndjson = forceNdjson || /\.(ndjson|jsonl)$/i.test(file);

  if (!isStdin && ndjson) {
    try {
      const handle = await open(path, 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      }
      const lines = createInterface({ input: handle.createReadStream(), crlfDelay: Number.POSITIVE_INFINITY });
      return await validateLines(name, lines, check, output);
    } catch (error) {
      output.err.push(`error: cannot read ${name}: ${messageOf(error)}`);
      return EXIT_USAGE;
    }
  }

  let text: string;
  try {
    text = isStdin ? await readStdin(options.stdin) : await readFile(path, 'utf8');
  } catch (error) {
    output.err.push(`error: cannot read ${name}: ${messageOf(error)}`);
    return EXIT_USAGE;
  }
  text = text.replace(/^\uFEFF/, '');
  if (ndjson) return validateLines(name, text.split(/\r?\n/), check, output);

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // A stream of several JSON lines on stdin is NDJSON.
    if (isStdin && text.trim().split(/\r?\n/).length > 1)
      return validateLines(name, text.split(/\r?\n/), check, output);
    output.err.push(`error: ${name} is not valid JSON: ${messageOf(error)}`);
    return EXIT_USAGE;
  }
  const result = check(value);
  if (result.ok) {
    output.out.push(`ok: ${name} is a valid ${result.type} v${result.version}`);
    return EXIT_OK;
  }
  for (const error of result.errors) output.err.push(`${name}: ${error}`);
  return EXIT_INVALID;
}

async function validateLines(
  name: string,
  lines: AsyncIterable<string> | Iterable<string>,
  check: Check,
  output: Output,
): Promise<number> {
  let lineNumber = 0;
  let valid = 0;
  let invalid = 0;
  let badJson = 0;
  const kinds = new Map<string, number>();
  const report = (text: string) => {
    if (invalid + badJson <= MAX_REPORTED_LINES) output.err.push(text);
  };
  for await (const raw of lines) {
    lineNumber += 1;
    const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      badJson += 1;
      report(`${name}:${lineNumber}: not valid JSON: ${messageOf(error)}`);
      continue;
    }
    const result = check(value);
    if (result.ok) {
      valid += 1;
      const kind = `${result.type} v${result.version}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    } else {
      invalid += 1;
      for (const error of result.errors) report(`${name}:${lineNumber}: ${error}`);
    }
  }
  const total = valid + invalid + badJson;
  if (total === 0) {
    output.err.push(`error: ${name} has no JSON lines`);
    return EXIT_USAGE;
  }
  if (invalid + badJson > MAX_REPORTED_LINES) {
    output.err.push(`${name}: ... errors of ${invalid + badJson - MAX_REPORTED_LINES} more lines not shown`);
  }
  if (invalid + badJson > 0) {
    output.err.push(`${name}: ${invalid + badJson} of ${total} lines invalid`);
    return badJson > 0 ? EXIT_USAGE : EXIT_INVALID;
  }
  const summary = [...kinds].map(([kind, count]) => (kinds.size === 1 ? `a valid ${kind}` : `${count} ${kind}`));
  output.out.push(
    kinds.size === 1
      ? `ok: ${name} is valid NDJSON, ${total} lines, each ${summary[0]}`
      : `ok: ${name} is valid NDJSON, ${total} lines: ${summary.join(', ')}`,
  );
  return EXIT_OK;
}

async function readStdin(stdin: CliOptions['stdin']): Promise<string> {
  const input = stdin ?? process.stdin;
  if (typeof input === 'string') return input;
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EISDIR') return 'is a directory';
    if (code === 'EACCES') return 'permission denied';
    return error.message;
  }
  return String(error);
}
