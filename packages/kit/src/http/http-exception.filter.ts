import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Logger } from '../logging/logger';

/**
 * Every error answer is JSON `{statusCode, error, message}`; unexpected failures become a plain
 * 503 "try again" (the web app retries) and are logged with the stack, which never reaches the client.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
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
    this.logger.error(
      { err: exception instanceof Error ? { message: exception.message, stack: exception.stack } : String(exception) },
      'unhandled error',
    );
    void reply.status(503).header('retry-after', '5').send({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the request could not be completed now; retry shortly',
    });
  }
}
