import { runService, startWorker } from '@genlake/kit';
import { migrate } from '@genlake/migrations';
import { notifierConfigSchema } from './config';
import { batchCompletedConsumer } from './notifying/batch-completed.consumer';
import { CrmClient } from './notifying/crm.client';
import { NotifyCrm } from './notifying/notify-crm.use-case';

void runService('notifier', notifierConfigSchema, async (runtime) => {
  const { config, logger } = runtime;
  // The runtime's outbox relay reads the shared tables.
  if (config.MIGRATE_ON_START) await migrate({ databaseUrl: config.DATABASE_URL, log: (m) => logger.info(m) });
  const useCase = new NotifyCrm(
    new CrmClient({ url: config.CRM_URL, token: config.CRM_TOKEN, timeoutMs: config.CRM_TIMEOUT_MS }),
    {
      maxPerSecond: config.CRM_MAX_PER_SECOND,
      breakerResetMs: config.CRM_BREAKER_RESET_MS,
      breakerErrorPercent: config.CRM_BREAKER_ERROR_PERCENT,
      breakerMinCalls: config.CRM_BREAKER_MIN_CALLS,
      breakerWindowMs: config.CRM_BREAKER_WINDOW_MS,
    },
    logger,
  );
  runtime.onShutdown('crm circuit breaker', async () => useCase.breaker.shutdown());
  await startWorker(runtime, config.PORT, batchCompletedConsumer(useCase, config));
  logger.info({ crm: config.CRM_URL, maxPerSecond: config.CRM_MAX_PER_SECOND }, 'notifier started');
});
