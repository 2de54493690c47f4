import { join } from 'node:path';
import { createHttpApp, listen, runService } from '@genlake/kit';
import { LakeEngine } from '@genlake/lake';
import { migrate } from '@genlake/migrations';
import { gatewayConfigSchema } from './config';
import { BatchEvents } from './events/batch-events.service';
import { GatewayModule } from './gateway.module';

const STREAM_TYPES = ['text/csv', 'application/x-ndjson', 'application/ndjson'];

void runService('gateway', gatewayConfigSchema, async (runtime) => {
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
  const app = await createHttpApp(GatewayModule.create(runtime, engine, events, workDir), runtime, {
    bodyLimit: config.JSON_BODY_MAX_BYTES,
    configure: (nest) => {
      // CSV and NDJSON bodies reach the handler as streams; the ingestor enforces their size limit.
      nest
        .getHttpAdapter()
        .getInstance()
        .addContentTypeParser(STREAM_TYPES, (_req, payload, done) => done(null, payload));
    },
  });
  await runtime.startRelay();
  await listen(app, runtime, config.PORT, config.HOST);
});
