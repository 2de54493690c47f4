import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import { createHttpApp, listen, runService } from '@genlake/kit';
import { LakeEngine } from '@genlake/lake';
import { migrate } from '@genlake/migrations';
import { AccessTokenIssuer } from './accounts/access-token.issuer';
import { RequestGuard } from './accounts/request.guard';
import { checkedGatewayConfigSchema } from './config';
import { BatchEvents } from './events/batch-events.service';
import { GatewayModule } from './gateway.module';
import { installUploadRoutes } from './uploads/upload.routes';
import { UploadStore } from './uploads/upload.store';
import { serveWebApp } from './web/web-app.static';

const STREAM_TYPES = ['text/csv', 'application/x-ndjson', 'application/ndjson'];

void runService('gateway', checkedGatewayConfigSchema, async (runtime) => {
  const { config, logger } = runtime;
  if (config.MIGRATE_ON_START) await migrate({ databaseUrl: config.DATABASE_URL, log: (m) => logger.info(m) });
  const workDir = await runtime.prepareWorkDir();
  const engine = await LakeEngine.create({
    threads: 2,
    memoryLimit: '1GB',
    tempDirectory: join(workDir, 'duckdb-spill'),
  });
  runtime.onShutdown('duckdb', () => engine.close());
  const events = new BatchEvents(runtime.sql, logger);
  await events.start();
  runtime.onShutdown('events', () => events.stop());
  const tokens = new AccessTokenIssuer(config);
  const guard = new RequestGuard(
    tokens,
    {
      perAddress: config.RATE_LIMIT_PER_ADDRESS,
      perUser: config.RATE_LIMIT_PER_USER,
      authPerAddress: config.RATE_LIMIT_AUTH_PER_ADDRESS,
    },
    logger,
    runtime.metrics,
  );
  const uploads = new UploadStore(runtime.storage, {
    storageUrl: config.STORAGE_URL,
    s3: {
      region: config.S3_REGION,
      endpoint: config.S3_ENDPOINT,
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    },
    expiryHours: config.UPLOAD_EXPIRY_HOURS,
  });
  const expiry = setInterval(() => {
    uploads.deleteExpired().catch((err: Error) => logger.warn({ err: err.message }, 'deleting expired uploads failed'));
  }, 3_600_000);
  expiry.unref();
  runtime.onShutdown('uploads', async () => clearInterval(expiry));
  const module = GatewayModule.create(runtime, engine, events, workDir, tokens, uploads);
  const app = await createHttpApp(module, runtime, {
    bodyLimit: config.JSON_BODY_MAX_BYTES,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    configure: async (nest) => {
      const fastify = nest.getHttpAdapter().getInstance();
      // The browser's refresh token (accounts/session.cookie.ts).
      await nest.register(fastifyCookie as never);
      // Authentication and rate limits run before any body is read.
      guard.install(fastify);
      // A stream that announces more than the limit is refused before a byte of its body is read.
      fastify.addHook('onRequest', async (request, reply) => {
        const type = request.headers['content-type']?.split(';', 1)[0].trim().toLowerCase();
        if (!type || !STREAM_TYPES.includes(type)) return;
        const length = Number(request.headers['content-length']);
        if (!(length > config.STREAM_BODY_MAX_BYTES)) return;
        return reply
          .code(413)
          .header('connection', 'close')
          .send({
            statusCode: 413,
            error: 'Payload Too Large',
            message: `the body announces ${length} bytes; at most ${config.STREAM_BODY_MAX_BYTES} are accepted`,
          });
      });
      // CSV and NDJSON bodies reach the handler as streams; the ingestor enforces their size limit.
      fastify.addContentTypeParser(STREAM_TYPES, (_req, payload, done) => done(null, payload));
      // The confirmation page posts a form.
      fastify.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 4096 },
        (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      );
      installUploadRoutes(fastify, uploads, { maxBytes: config.STREAM_BODY_MAX_BYTES, logger });
      await serveWebApp(nest, config.WEB_DIST_DIR, logger);
    },
  });
  await runtime.startRelay();
  await listen(app, runtime, config.PORT, config.HOST);
});
