import 'reflect-metadata';
import { type DynamicModule, type INestApplication, type LoggerService, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import secureJson from 'secure-json-parse';
import { context, correlationIdFrom } from '../logging/context';
import type { Logger } from '../logging/logger';
import type { ServiceRuntime } from '../runtime';
import { JsonExceptionFilter } from './http-exception.filter';
import { KitModule } from './kit.module';

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
  } as never);
  const app = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, {
    logger: new PinoNestLogger(runtime.logger),
    bufferLogs: false,
    // The JSON parser is registered below.
    bodyParser: false,
  });
  app.useGlobalFilters(new JsonExceptionFilter(runtime.logger));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = correlationIdFrom(request.headers['x-correlation-id']);
    void reply.header('x-correlation-id', correlationId);
    (request as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
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
  host = '0.0.0.0',
): Promise<string> {
  // A listen backlog above Node's 511: a burst of thousands of new connections (a sale opening, a login storm)
  // waits in the kernel's queue instead of being reset (capped by net.core.somaxconn).
  await app.listen({ port, host, backlog: LISTEN_BACKLOG } as never, host);
  runtime.onShutdown('http', () => app.close());
  const url = await app.getUrl();
  runtime.logger.info({ url }, 'listening');
  return url;
}
