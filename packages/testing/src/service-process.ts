import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** A genlake service running as its own process from its build (`services/<name>/dist/main.js`). */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  readonly url: string;
  exitCode: number | null = null;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(name: string, env: Record<string, string>, logDir: string): Promise<ServiceProcess> {
    const service = new ServiceProcess(name, await freePort(), env, logDir);
    await service.launch();
    return service;
  }

  async launch(): Promise<void> {
    await mkdir(this.logDir, { recursive: true });
    this.log = createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a' });
    this.exitCode = null;
    const child = spawn(process.execPath, [join(REPO_ROOT, 'services', this.name, 'dist', 'main.js')], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.once('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? 128 : 0);
    });
    this.child = child;
    await this.waitReady();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitCode !== null)
        throw new Error(`${this.name} exited with ${this.exitCode}; see ${this.logDir}/${this.name}.log`);
      try {
        const res = await fetch(`${this.url}/health/ready`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms; see ${this.logDir}/${this.name}.log`);
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<number | null> {
    const child = this.child;
    if (!child || this.exitCode !== null) return this.exitCode;
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill(signal);
    await Promise.race([exited, sleep(timeoutMs)]);
    if (this.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    return this.exitCode;
  }

  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }
}
