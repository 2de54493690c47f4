import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../observability/metrics';
import { isDependencyUnavailable } from './dependency.errors';
import type { RouteTable } from './route.table';

/**
 * Every error answer is JSON `{statusCode, error, message}`. A dependency that cannot be reached (Postgres, the
 * broker, object storage) is an outage the client waits out: 503 + Retry-After. Anything else unexpected is a fault
 * of ours that a retry does not cure: 500 with an error id, which is logged with the stack (never sent to the
 * client) and counted in `genlake_http_unexpected_errors_total`, so it is alerted on instead of retried forever.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly routes?: RouteTable,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // No route matched: when the path exists with other methods, the method is what is wrong (405 + Allow).
      const matched = request?.routeOptions?.url;
      if (status === 404 && this.routes && (!matched || matched.includes('*'))) {
        const path = (request.url ?? '').split('?', 1)[0];
        const allowed = this.routes.allowed(path);
        if (allowed.length > 0 && !allowed.includes(request.method)) {
          void reply
            .status(405)
            .header('allow', allowed.join(', '))
            .send({
              statusCode: 405,
              error: 'Method Not Allowed',
              message: `${request.method} is not allowed on ${path.slice(0, 200)}; allowed: ${allowed.join(', ')}`,
            });
          return;
        }
      }
      const body = exception.getResponse();
      // An exception may carry response headers (Retry-After of a 429, WWW-Authenticate of a 401).
      const headers = (exception as { headers?: Record<string, string> }).headers;
      if (headers) void reply.headers(headers);
      const payload =
        typeof body === 'string'
          ? { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: body }
          : { statusCode: status, ...(body as object) };
      void reply.status(status).send(payload);
      return;
    }
    const fastifyError = exception as { statusCode?: number; message?: string; code?: string };
    if (
      typeof fastifyError?.statusCode === 'number' &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      void reply.status(fastifyError.statusCode).send({
        statusCode: fastifyError.statusCode,
        error: STATUS_CODES[fastifyError.statusCode] ?? 'Error',
        message: fastifyError.message,
      });
      return;
    }
    const answer = answerUnexpected(exception, this.logger, this.metrics);
    void reply.status(answer.status).headers(answer.headers).send(answer.body);
  }
}

export interface ErrorAnswer {
  status: 500 | 503;
  headers: Record<string, string>;
  body: { statusCode: number; error: string; message: string; errorId?: string };
}

/**
 * The answer to an error nobody turned into an HTTP error: 503 + Retry-After when a dependency is unavailable,
 * otherwise 500 with an error id that is logged (with the stack) and counted. The one place that decides it, for
 * route handlers (JsonExceptionFilter) and hooks (the gateway's request guard) alike.
 */
export function answerUnexpected(exception: unknown, logger: Logger, metrics?: Metrics): ErrorAnswer {
  const err = exception instanceof Error ? { message: exception.message, stack: exception.stack } : String(exception);
  if (isDependencyUnavailable(exception)) {
    logger.warn({ err }, 'a dependency is unavailable');
    return {
      status: 503,
      headers: { 'retry-after': '5' },
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'the request could not be completed now; retry shortly',
      },
    };
  }
  const errorId = randomUUID();
  logger.error({ err, errorId }, 'unexpected error');
  metrics?.unexpectedErrors.inc();
  return {
    status: 500,
    headers: {},
    body: {
      statusCode: 500,
      error: 'Internal Server Error',
      message: `an unexpected error occurred; it is logged as ${errorId}`,
      errorId,
    },
  };
}
