import 'reflect-metadata';
import { type DynamicModule, type INestApplication, type LoggerService, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import secureJson from 'secure-json-parse';
import { context, correlationIdFrom } from '../logging/context';
import type { Logger } from '../logging/logger';
import type { ServiceRuntime } from '../runtime';
import { BodyRateGuard } from './body-rate.guard';
import { JsonExceptionFilter } from './http-exception.filter';
import { KitModule } from './kit.module';
import { RouteTable } from './route.table';

class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, ctx?: string) {
    this.logger.debug({ ctx }, String(message));
  }
  error(message: unknown, trace?: string, ctx?: string) {
    this.logger.error({ ctx, trace }, String(message));
  }
  warn(message: unknown, ctx?: string) {
    this.logger.warn({ ctx }, String(message));
  }
}

/**
 * What the HTTP parser refuses (no Host header in HTTP/1.1, a malformed request line, headers too large) is answered
 * like every other error: JSON with a reason, then the connection is closed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify({
    statusCode: status,
    error: tooLarge ? 'Request Header Fields Too Large' : 'Bad Request',
    message: tooLarge
      ? 'the request headers are too large'
      : `the request could not be parsed as HTTP${err.code ? ` (${err.code})` : ''}`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

export interface HttpAppOptions {
  /** Maximum size of a parsed (JSON) request body in bytes. Streams read their own limits. */
  bodyLimit?: number;
  /**
   * Proxy hops whose X-Forwarded-For entries are believed (request.ip); 0 means the TCP peer. Default: trust
   * all, which only services that no client reaches directly may use.
   */
  trustProxyHops?: number;
  /** Called with the Fastify instance before routes are registered (content-type parsers, hooks). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/**
 * Builds the NestJS application on Fastify with what every service shares: the health and metrics
 * controller, a correlation id per request (header `x-correlation-id`), request metrics, JSON errors.
 */
export async function createHttpApp(
  feature: Type | DynamicModule | undefined,
  runtime: ServiceRuntime,
  options: HttpAppOptions = {},
): Promise<NestFastifyApplication> {
  @Module({ imports: [KitModule.forRuntime(runtime), ...(feature ? [feature] : [])] })
  class RootModule {}

  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    logger: false,
    trustProxy:
      options.trustProxyHops === undefined ? true : options.trustProxyHops === 0 ? false : options.trustProxyHops,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200 },
    clientErrorHandler: answerClientError,
    // docs/security.md, "Timeouts": headers, whole request, idle keep-alive; a minimum body rate below
    requestTimeout: runtime.config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: runtime.config.HTTP_IDLE_TIMEOUT_MS,
    connectionTimeout: runtime.config.HTTP_REQUEST_TIMEOUT_MS,
    // Node's own check answers a missing Host with an empty 400; the onRequest hook below answers it in JSON.
    http: {
      requireHostHeader: false,
      // Node's own timer for the request headers (at most the whole-request timeout), checked often enough to matter
      headersTimeout: Math.min(runtime.config.HTTP_HEADERS_TIMEOUT_MS, runtime.config.HTTP_REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(Math.ceil(runtime.config.HTTP_HEADERS_TIMEOUT_MS / 2), 30_000),
    },
  } as never);
  const app = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, {
    logger: new PinoNestLogger(runtime.logger),
    bufferLogs: false,
    // The JSON parser is registered below.
    bodyParser: false,
  });
  const routes = new RouteTable();
  app.useGlobalFilters(new JsonExceptionFilter(runtime.logger, runtime.metrics, routes));
  const fastify = app.getHttpAdapter().getInstance();
  // Every route, so that a path served with other methods answers 405 with Allow (JsonExceptionFilter).
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  const bodyRate = new BodyRateGuard(
    runtime.config.HTTP_MIN_BODY_BYTES_PER_SECOND,
    runtime.config.HTTP_BODY_RATE_WINDOW_MS,
    runtime.logger,
  );
  runtime.onShutdown('http-body-rate', async () => bodyRate.stop());
  fastify.addHook('onRequest', (request, reply, done) => {
    bodyRate.watch(request.raw);
    const correlationId = correlationIdFrom(request.headers['x-correlation-id']);
    void reply.header('x-correlation-id', correlationId);
    (request as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      void reply
        .code(400)
        .header('connection', 'close')
        .send({ statusCode: 400, error: 'Bad Request', message: 'HTTP/1.1 requests need a Host header' });
      return;
    }
    context.run({ correlationId }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const started = (request as { startedAt?: bigint }).startedAt;
    if (started !== undefined) {
      runtime.metrics.httpSeconds.observe(
        { method: request.method, route: request.routeOptions?.url ?? 'unmatched', status: String(reply.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
    done();
  });
  // JSON bodies: secure-json-parse refuses __proto__ and constructor.prototype keys; the answer says
  // what is wrong with the body (Fastify's default would say only "not valid JSON").
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 },
    (_request, body, done) => {
      try {
        done(null, secureJson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' }));
      } catch (err) {
        const error = new Error(`the body is not valid JSON: ${(err as Error).message}`) as Error & {
          statusCode: number;
        };
        error.statusCode = 400;
        done(error, undefined);
      }
    },
  );
  await options.configure?.(app);
  return app;
}

export const LISTEN_BACKLOG = 4096;

/** Starts listening and registers the app to close (finishing in-flight requests) at shutdown. */
export async function listen(
  app: INestApplication,
  runtime: ServiceRuntime,
  port: number,
  host: string,
): Promise<string> {
  // A listen backlog above Node's 511: a burst of thousands of new connections (a sale opening, a login storm)
  // waits in the kernel's queue instead of being reset (capped by net.core.somaxconn).
  await app.listen({ port, host, backlog: LISTEN_BACKLOG } as never, host);
  runtime.onShutdown('http', () => app.close());
  const url = await app.getUrl();
  runtime.logger.info({ url }, 'listening');
  return url;
}
