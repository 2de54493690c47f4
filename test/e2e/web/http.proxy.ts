import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does with a request that matches a rule. */
export type ProxyAction =
  /** Passed on to the upstream as it is. */
  | { kind: 'pass' }
  /** Answered 503 with `Retry-After: seconds`, without reaching the upstream. */
  | { kind: 'unavailable'; retryAfterSeconds: number }
  /** Accepted and never answered (the client's own timeout decides), without reaching the upstream. */
  | { kind: 'stall' };

export interface ProxyRule {
  method?: string;
  /** Matched against the start of the path. */
  pathPrefix: string;
  action: ProxyAction;
}

/** One request as the proxy saw it, with when it was answered. */
export interface ProxiedRequest {
  method: string;
  path: string;
  at: number;
  action: ProxyAction['kind'];
}

/**
 * An HTTP proxy in front of the gateway that a test steers: it can answer 503 with Retry-After, stall, throttle
 * request bodies, and it counts the body bytes that reached the upstream per path prefix (what the server got).
 * The browser loads the app from the proxy, so the app and the API share the proxy's origin; the Host header is
 * passed on unchanged, so the gateway's same-origin check sees the origin the browser used.
 */
export class HttpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly stalled = new Set<ServerResponse>();
  private rules: ProxyRule[] = [];
  /** Request body bytes per second towards the upstream; 0 = unthrottled. */
  private throttle = 0;
  readonly seen: ProxiedRequest[] = [];
  private readonly upstreamBytes = new Map<string, number>();
  port = 0;

  constructor(private readonly upstream: URL) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.port = (this.server!.address() as { port: number }).port;
  }

  /** Replaces the rules; the first matching rule decides, a request matching none is passed. */
  setRules(rules: ProxyRule[]): void {
    this.rules = rules;
    if (!rules.some((r) => r.action.kind === 'stall')) this.releaseStalled();
  }

  setThrottle(bytesPerSecond: number): void {
    this.throttle = bytesPerSecond;
  }

  /** Body bytes the upstream received for requests whose path starts with the prefix. */
  bytesUpstream(pathPrefix: string): number {
    let total = 0;
    for (const [path, n] of this.upstreamBytes) if (path.startsWith(pathPrefix)) total += n;
    return total;
  }

  requests(method: string, pathPrefix: string): ProxiedRequest[] {
    return this.seen.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  private releaseStalled(): void {
    for (const res of this.stalled) res.destroy();
    this.stalled.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const rule = this.rules.find(
      (r) => path.startsWith(r.pathPrefix) && (r.method === undefined || r.method === req.method),
    );
    const action = rule?.action ?? { kind: 'pass' };
    this.seen.push({ method: req.method ?? 'GET', path, at: Date.now(), action: action.kind });
    if (action.kind === 'unavailable') {
      req.resume();
      res.writeHead(503, {
        'content-type': 'application/json',
        'retry-after': String(action.retryAfterSeconds),
      });
      res.end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'try again later' }));
      return;
    }
    if (action.kind === 'stall') {
      req.resume();
      this.stalled.add(res);
      res.on('close', () => this.stalled.delete(res));
      return;
    }
    const key = path.split('?')[0];
    const out = request(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.on('data', (chunk: Buffer) => {
      this.upstreamBytes.set(key, (this.upstreamBytes.get(key) ?? 0) + chunk.length);
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
      if (this.throttle > 0) {
        req.pause();
        setTimeout(() => req.resume(), (chunk.length / this.throttle) * 1000);
      }
    });
    req.on('end', () => out.end());
    req.on('aborted', () => out.destroy());
  }

  async stop(): Promise<void> {
    this.releaseStalled();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}
