import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeResult, type ProgressIo, progressPrinter, summaryLine, tablesResult } from './cli.results';
import { ENGINE_NAMES, type Engine, type EngineName } from './engines';
import { formatResult, OUTPUT_FORMATS, type OutputFormat } from './result.format';

export interface ShellOptions extends ProgressIo {
  stdout(text: string): void;
  input: NodeJS.ReadableStream;
  /** A terminal: a prompt is shown, Ctrl-C stops the running query (or clears the line). */
  terminal: boolean;
  engine: EngineName;
  format: OutputFormat;
  openEngine(name: EngineName): Promise<Engine>;
  /** File of past statements (one a line; multi-line statements joined with spaces); none when undefined. */
  historyFile?: string;
}

const HELP = `.tables                 the lake tables and their columns
.describe <table>       a table's columns, types, links and partition columns
.engine [duckdb|athena|trino]  show or switch the engine
.format [table|csv|json]       show or switch the output format
.help                   this text
.quit                   leave (or Ctrl-D)
Anything else is SQL, run when a line ends with ";".
`;

function loadHistory(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 1000);
  } catch {
    return [];
  }
}

/**
 * `genlake-lake shell`: an interactive prompt over one engine at a time. Resolves to the exit code when the input
 * ends or `.quit` is given. A failed statement prints its error and the prompt comes back.
 */
export async function runShell(options: ShellOptions): Promise<number> {
  let engineName = options.engine;
  let format = options.format;
  let engine: Engine | undefined;
  let running: AbortController | undefined;
  let buffer: string[] = [];
  const prompt = (): string =>
    buffer.length > 0 ? `${' '.repeat(engineName.length + 4)}-> ` : `lake(${engineName})> `;
  const rl = createInterface({
    input: options.input,
    output: options.terminal ? process.stdout : undefined,
    terminal: options.terminal,
    history: loadHistory(options.historyFile),
    historySize: 1000,
    removeHistoryDuplicates: true,
  });
  rl.setPrompt(prompt());
  rl.on('SIGINT', () => {
    if (running) running.abort(new Error('interrupted'));
    else {
      buffer = [];
      options.stdout('\n');
      rl.setPrompt(prompt());
      rl.prompt();
    }
  });

  const run = async (sql: string): Promise<void> => {
    engine ??= await options.openEngine(engineName);
    // Athena and Trino take one statement without the final semicolon.
    const statement = engineName === 'duckdb' ? sql : sql.replace(/;\s*$/, '');
    running = new AbortController();
    const progress = progressPrinter(engineName, options);
    try {
      const result = await engine.query(statement, {
        signal: running.signal,
        onProgress: engineName === 'duckdb' ? undefined : (p) => progress.update(p),
      });
      progress.done();
      options.stdout(formatResult(result, format));
      const summary = summaryLine(result);
      if (summary) options.stderr(summary);
    } catch (err) {
      progress.done();
      options.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    } finally {
      running = undefined;
    }
  };

  const command = async (line: string): Promise<boolean> => {
    const [name, ...args] = line.trim().split(/\s+/);
    const arg = args.join(' ');
    switch (name) {
      case '.quit':
      case '.exit':
        return false;
      case '.help':
        options.stdout(HELP);
        break;
      case '.tables':
        options.stdout(formatResult(tablesResult(), format));
        break;
      case '.describe':
        try {
          options.stdout(formatResult(describeResult(arg), format));
        } catch (err) {
          options.stderr(`error: ${(err as Error).message}\n`);
        }
        break;
      case '.engine':
        if (arg === '') options.stdout(`${engineName}${engine ? ` (${engine.target})` : ''}\n`);
        else if (!ENGINE_NAMES.includes(arg as EngineName)) {
          options.stderr(`error: unknown engine ${arg}; one of ${ENGINE_NAMES.join(', ')}\n`);
        } else if (arg !== engineName) {
          await engine?.close();
          engine = undefined;
          engineName = arg as EngineName;
        }
        break;
      case '.format':
        if (arg === '') options.stdout(`${format}\n`);
        else if (!OUTPUT_FORMATS.includes(arg as OutputFormat)) {
          options.stderr(`error: unknown format ${arg}; one of ${OUTPUT_FORMATS.join(', ')}\n`);
        } else format = arg as OutputFormat;
        break;
      default:
        options.stderr(`error: unknown command ${name} (.help lists them)\n`);
    }
    return true;
  };

  try {
    if (options.terminal) rl.prompt();
    for await (const line of rl) {
      if (buffer.length === 0 && line.trim().startsWith('.')) {
        if (!(await command(line))) break;
      } else if (buffer.length > 0 || line.trim() !== '') {
        buffer.push(line);
        if (line.trimEnd().endsWith(';')) {
          const sql = buffer.join('\n');
          buffer = [];
          if (options.historyFile) appendFileSync(options.historyFile, `${sql.replace(/\s*\n\s*/g, ' ')}\n`);
          await run(sql);
        }
      }
      rl.setPrompt(prompt());
      if (options.terminal) rl.prompt();
    }
    if (buffer.length > 0) await run(buffer.join('\n'));
    return 0;
  } finally {
    rl.close();
    await engine?.close();
  }
}
