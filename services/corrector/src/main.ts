import { join } from 'node:path';
import { LocalObjectCache, runService, startWorker } from '@genlake/kit';
import { LakeEngine } from '@genlake/lake';
import { migrate } from '@genlake/migrations';
import { correctorConfigSchema } from './config';
import { CorrectGeneration } from './correcting/correct-generation.use-case';
import { CorrectionRepository } from './correcting/correction.repository';
import { generationProducedConsumer } from './correcting/generation-produced.consumer';
import { EstimateCorrector } from './correction/estimate.corrector';

void runService('corrector', correctorConfigSchema, async (runtime) => {
  const { config, logger } = runtime;
  if (config.MIGRATE_ON_START) await migrate({ databaseUrl: config.DATABASE_URL, log: (m) => logger.info(m) });
  const workDir = await runtime.prepareWorkDir();
  const engine = await LakeEngine.create({
    threads: config.DUCKDB_THREADS,
    memoryLimit: config.DUCKDB_MEMORY_LIMIT,
    tempDirectory: join(workDir, 'duckdb-spill'),
  });
  runtime.onShutdown('duckdb', () => engine.close());
  const useCase = new CorrectGeneration(
    new CorrectionRepository(runtime.sql, runtime.inbox, runtime.outbox),
    new EstimateCorrector({
      threshold: config.CORRECTION_THRESHOLD,
      minHistory: config.CORRECTION_MIN_HISTORY,
      maxHistory: config.CORRECTION_MAX_HISTORY,
    }),
    config.CORRECTION_MAX_HISTORY,
    runtime.storage,
    new LocalObjectCache(runtime.storage, join(workDir, `lake-cache-${runtime.service}`), config.LAKE_CACHE_MAX_BYTES),
    engine,
    workDir,
    logger,
  );
  await startWorker(runtime, { port: config.PORT, host: config.HOST }, generationProducedConsumer(useCase, config));
});
