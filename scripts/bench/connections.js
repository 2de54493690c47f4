// Many keep-alive HTTP/1.1 connections driven from one process, for the accounts scenario of run.js: each
// connection belongs to one user, is opened once, logs in once and then submits batches on the same socket.
// autocannon cannot do that (its clients cycle through one list of requests and a second run opens new sockets),
// so this is a minimal client: raw TCP sockets, one request at a time per socket (no pipelining), requests
// prepared as bytes in advance, responses parsed just enough (status line, content-length or chunked body).

const { readFileSync } = require('node:fs');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

class HttpConnection {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = undefined;
    this.open = false;
    /** Connections opened, the first one included. */
    this.connects = 0;
    /** The request waiting for its answer: {start, resolve, reject, status?, ...}. */
    this.pending = undefined;
    this.buf = undefined;
  }

  /** Opens the socket; resolves with the milliseconds the TCP handshake took (SYN retransmissions included). */
  connect() {
    this.destroy();
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
      this.socket = socket;
      let connected = false;
      socket.once('connect', () => {
        connected = true;
        this.open = true;
        this.connects++;
        resolve(performance.now() - started);
      });
      socket.on('data', (chunk) => this.onData(chunk));
      socket.on('error', (err) => {
        if (!connected) reject(err);
        this.lost(err);
      });
      socket.on('close', () =>
        this.lost(Object.assign(new Error('connection closed by the server'), { code: 'CLOSED' })),
      );
    });
  }

  /** Sends `bytes` (a whole HTTP request) and resolves with {status, body, ms} when the answer is complete. */
  request(bytes) {
    if (this.pending) return Promise.reject(new Error('one request at a time'));
    if (!this.open) return Promise.reject(Object.assign(new Error('not connected'), { code: 'NOT_CONNECTED' }));
    return new Promise((resolve, reject) => {
      this.pending = { start: performance.now(), resolve, reject };
      this.socket.write(bytes);
    });
  }

  /** Fails the pending request with `err` and closes the socket (a request timeout). */
  abort(err) {
    const p = this.pending;
    this.pending = undefined;
    this.destroy();
    p?.reject(err);
  }

  destroy() {
    if (this.socket) {
      this.socket.removeAllListeners();
      this.socket.on('error', () => {});
      this.socket.destroy();
      this.socket = undefined;
    }
    this.open = false;
    this.buf = undefined;
  }

  lost(err) {
    if (this.socket) this.socket.removeAllListeners('close');
    this.open = false;
    this.buf = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }

  onData(chunk) {
    this.buf = this.buf?.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const p = this.pending;
    if (!p) {
      this.buf = undefined; // nothing asked: ignore
      return;
    }
    if (p.status === undefined) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.buf.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
      if (!m) return this.abort(new Error(`malformed response: ${JSON.stringify(lines[0].slice(0, 80))}`));
      p.status = Number(m[1]);
      p.length = 0;
      p.chunked = false;
      p.close = false;
      p.chunks = [];
      for (let i = 1; i < lines.length; i++) {
        const colon = lines[i].indexOf(':');
        const name = lines[i].slice(0, colon).trim().toLowerCase();
        const value = lines[i].slice(colon + 1).trim();
        if (name === 'content-length') p.length = Number(value);
        else if (name === 'transfer-encoding') p.chunked = /chunked/i.test(value);
        else if (name === 'connection') p.close = /close/i.test(value);
        else if (name === 'retry-after') p.retryAfter = value;
      }
      this.buf = this.buf.subarray(end + 4);
    }
    let body;
    if (p.chunked) {
      for (;;) {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return;
        const size = Number.parseInt(this.buf.toString('latin1', 0, eol), 16);
        if (!Number.isFinite(size)) return this.abort(new Error('malformed chunk'));
        if (this.buf.length < eol + 2 + size + 2) return;
        if (size === 0) {
          body = Buffer.concat(p.chunks);
          this.buf = this.buf.subarray(eol + 4);
          break;
        }
        p.chunks.push(this.buf.subarray(eol + 2, eol + 2 + size));
        this.buf = this.buf.subarray(eol + 2 + size + 2);
      }
    } else {
      if (this.buf.length < p.length) return;
      body = this.buf.subarray(0, p.length);
      this.buf = this.buf.subarray(p.length);
    }
    this.pending = undefined;
    if (p.close) this.destroy();
    const headers = p.retryAfter === undefined ? {} : { 'retry-after': p.retryAfter };
    p.resolve({ status: p.status, body, headers, ms: performance.now() - p.start });
  }
}

/** `POST path` with a JSON body and extra headers, as bytes. */
function postRequest(host, path, body, headers = {}) {
  const payload = Buffer.from(body);
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}`, 'content-type: application/json'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${payload.length}`, '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload]);
}

/**
 * Calls `onTimeout(conn, ms)` for every connection whose pending request is older than `timeoutMs`, once a second,
 * until the returned function is called.
 */
function watchTimeouts(connections, timeoutMs, onTimeout) {
  const timer = setInterval(() => {
    const now = performance.now();
    for (const c of connections) {
      if (c.pending && now - c.pending.start > timeoutMs) onTimeout(c, now - c.pending.start);
    }
  }, 1000);
  return () => clearInterval(timer);
}

/** The q-quantile (0..1) of an ascending array, or NaN when empty. */
function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** p50, p99 and max of `values` (not sorted in place). */
function latencySummary(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}

/** Counts into a plain object: bump(obj, key). */
function bump(counts, key) {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** The soft limit of open files of this process (inherited by the servers it starts), or Infinity when unknown. */
function openFilesLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft && /^\d+$/.test(soft) ? Number(soft) : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

module.exports = { HttpConnection, postRequest, watchTimeouts, latencySummary, quantile, bump, openFilesLimit };
