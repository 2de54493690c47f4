import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logging/logger';

interface Watched {
  req: IncomingMessage;
  bytesAtWindowStart: number;
  windowStart: number;
}

/**
 * Cuts off clients that send a request body slower than a minimum rate (a trickle of a byte now and then keeps a
 * socket, and a task's file descriptors and memory, busy for as long as the request timeout allows). It watches the
 * socket's received bytes, not the body stream, so it never changes how a handler reads the body; a body the handler
 * does not read yet (back-pressure) is not counted against the client: the window restarts whenever the body's
 * buffer is full.
 */
export class BodyRateGuard {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly minBytesPerSecond: number,
    private readonly windowMs: number,
    private readonly logger: Logger,
  ) {}

  /** Watches the body of `req` until it is complete or the connection ends. */
  watch(req: IncomingMessage): void {
    if (this.minBytesPerSecond <= 0 || req.complete || !hasBody(req)) return;
    const entry: Watched = { req, bytesAtWindowStart: req.socket.bytesRead, windowStart: Date.now() };
    this.watched.add(entry);
    const forget = () => this.watched.delete(entry);
    // 'close' comes when the request is done or its connection goes (never a listener on the socket: a keep-alive
    // socket carries many requests and would collect one listener each)
    req.once('end', forget);
    req.once('close', forget);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), Math.max(250, Math.floor(this.windowMs / 4)));
      this.timer.unref();
    }
  }

  private check(): void {
    const now = Date.now();
    for (const entry of this.watched) {
      const { req } = entry;
      if (req.complete || req.socket.destroyed) {
        this.watched.delete(entry);
        continue;
      }
      const bytes = req.socket.bytesRead;
      if (req.readableLength >= req.readableHighWaterMark) {
        // The body waits unread in a full buffer (back-pressure): the client is not to blame for a slow window.
        entry.bytesAtWindowStart = bytes;
        entry.windowStart = now;
        continue;
      }
      const elapsed = now - entry.windowStart;
      if (elapsed < this.windowMs) continue;
      const rate = ((bytes - entry.bytesAtWindowStart) * 1000) / elapsed;
      if (rate < this.minBytesPerSecond) {
        this.logger.warn(
          { url: req.url, bytesPerSecond: Math.round(rate), minimum: this.minBytesPerSecond },
          'closing a connection that sends its request body too slowly',
        );
        this.watched.delete(entry);
        req.socket.destroy();
        continue;
      }
      entry.bytesAtWindowStart = bytes;
      entry.windowStart = now;
    }
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
