import { join } from 'node:path';
import { runService, startWorker } from '@genlake/kit';
import { LakeEngine } from '@genlake/lake';
import { migrate } from '@genlake/migrations';
import { processorConfigSchema } from './config';
import { batchAcceptedConsumer } from './processing/batch-accepted.consumer';
import { BatchProcessingRepository } from './processing/batch-processing.repository';
import { PayloadRepository } from './processing/payload.repository';
import { ProcessBatch } from './processing/process-batch.use-case';

void runService('processor', processorConfigSchema, async (runtime) => {
  const { config, logger } = runtime;
  if (config.MIGRATE_ON_START) await migrate({ databaseUrl: config.DATABASE_URL, log: (m) => logger.info(m) });
  const workDir = await runtime.prepareWorkDir();
  const engine = await LakeEngine.create({
    threads: config.DUCKDB_THREADS,
    memoryLimit: config.DUCKDB_MEMORY_LIMIT,
    tempDirectory: join(workDir, 'duckdb-spill'),
  });
  runtime.onShutdown('duckdb', () => engine.close());
  const batches = new BatchProcessingRepository(runtime.sql, runtime.inbox, runtime.outbox);
  const useCase = new ProcessBatch(
    batches,
    new PayloadRepository(batches, runtime.storage),
    runtime.storage,
    engine,
    workDir,
    logger,
  );
  await startWorker(runtime, { port: config.PORT, host: config.HOST }, batchAcceptedConsumer(useCase, config));
});
