import pino, { type Logger } from 'pino';
import { context } from './context';

export type { Logger } from 'pino';

/** Structured JSON logs; every line carries the correlation id of the work in progress. */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = context.current();
      return ctx ? { correlationId: ctx.correlationId, batchId: ctx.batchId, messageId: ctx.messageId } : {};
    },
    redact: {
      paths: [
        'password',
        '*.password',
        'authorization',
        '*.authorization',
        'accessToken',
        '*.accessToken',
        'refreshToken',
        '*.refreshToken',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
