import { bindingsOfQueue, QUEUES } from '@genlake/contracts';
import { runService, startWorkers } from '@genlake/kit';
import { migrate } from '@genlake/migrations';
import { Gauge } from 'prom-client';
import { notifierConfigSchema } from './config';
import { CrmClient } from './crm/crm.client';
import { CRM_MAX_DEFERRALS, crmConsumer } from './crm/crm.consumer';
import { NotifyCrm } from './crm/notify-crm.use-case';
import { DeadLetterAlerts } from './dead-letters/dead-letter.alerts';
import { DeadLetterKeeper } from './dead-letters/dead-letter.keeper';
import { DeadLetterStore } from './dead-letters/dead-letter.store';
import { mailConsumer, NOTIFIER_MAIL_CONSUMER } from './mail/mail.consumer';
import { SendMail } from './mail/send-mail.use-case';
import { describeRelay, SmtpMailer, type SmtpMailerOptions } from './mail/smtp.mailer';
import { UserDirectory } from './users/user.directory';

void runService('notifier', notifierConfigSchema, async (runtime) => {
  const { config, logger } = runtime;
  // The runtime's outbox relay reads the shared tables; the notifier reads users and writes dead_letters.
  if (config.MIGRATE_ON_START) await migrate({ databaseUrl: config.DATABASE_URL, log: (m) => logger.info(m) });

  const crmQueue = bindingsOfQueue(QUEUES.notifierCrm);
  const notifyCrm = new NotifyCrm(
    new CrmClient({ url: config.CRM_URL, token: config.CRM_TOKEN, timeoutMs: config.CRM_TIMEOUT_MS }),
    {
      maxPerSecond: config.CRM_MAX_PER_SECOND,
      breakerResetMs: config.CRM_BREAKER_RESET_MS,
      breakerErrorPercent: config.CRM_BREAKER_ERROR_PERCENT,
      breakerMinCalls: config.CRM_BREAKER_MIN_CALLS,
      breakerWindowMs: config.CRM_BREAKER_WINDOW_MS,
      holdMaxMs: config.CRM_HOLD_MAX_MS,
      retry: crmQueue.retry,
      maxDeferrals: CRM_MAX_DEFERRALS,
      followDelayMs: Math.min(...crmQueue.retry.delaysMs),
    },
    logger,
  );

  const relay: SmtpMailerOptions = {
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    requireTls: config.SMTP_REQUIRE_TLS,
    user: config.SMTP_USER,
    password: config.SMTP_PASSWORD,
    timeoutMs: config.SMTP_TIMEOUT_MS,
    maxConnections: config.SMTP_MAX_CONNECTIONS,
    from: config.MAIL_FROM,
  };
  const mailer = new SmtpMailer(relay);
  const users = new UserDirectory(runtime.sql);
  const sendMail = new SendMail(
    mailer,
    users,
    runtime.inbox,
    runtime.sql,
    {
      consumer: NOTIFIER_MAIL_CONSUMER,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      breakerResetMs: config.SMTP_BREAKER_RESET_MS,
      outageFailures: config.SMTP_OUTAGE_FAILURES,
      maxAttempts: bindingsOfQueue(QUEUES.notifierMail).retry.maxAttempts,
    },
    logger,
  );

  const deadLetters = new DeadLetterStore(runtime.sql);
  // Read at every scrape: the dashboards' "dead letters waiting for a person" (the .dead queues themselves are
  // emptied by the keeper). Every replica reports the same table: dashboards take the max per queue.
  new Gauge({
    name: 'genlake_dead_letters_open',
    help: 'Dead letters kept in the database and not replayed yet, by the consumer queue they came from',
    labelNames: ['queue'],
    registers: [runtime.metrics.registry],
    async collect() {
      const rows = await deadLetters.countOpenByQueue().catch(() => undefined);
      if (!rows) return;
      this.reset();
      for (const row of rows) this.set({ queue: row.queue }, row.n);
    },
  });
  const keeper = new DeadLetterKeeper(runtime.broker, deadLetters, runtime.metrics, logger, {
    concurrency: config.DEAD_LETTER_CONCURRENCY,
  });
  const alerts = new DeadLetterAlerts(
    deadLetters,
    users,
    (message) => mailer.send(message),
    {
      intervalMs: config.ALERT_INTERVAL_MS,
      operatorEmails: config.OPERATOR_EMAILS,
    },
    logger,
  );

  // Closed in reverse order: the consumers first (registered by startWorkers), then the keeper, the alert loop,
  // the breakers and the relay's connections.
  runtime.onShutdown('mail relay', async () => {
    sendMail.shutdown();
    mailer.close();
  });
  runtime.onShutdown('crm circuit breaker', async () => notifyCrm.shutdown());
  runtime.onShutdown('dead-letter alerts', () => alerts.stop());
  runtime.onShutdown('dead-letter keeper', () => keeper.close());
  runtime.addReadinessCheck({
    name: 'dead letters',
    check: async () => {
      if (!keeper.started) throw new Error('dead-letter queues not consumed yet');
    },
  });

  await startWorkers(runtime, { port: config.PORT, host: config.HOST }, [
    crmConsumer(notifyCrm, config),
    mailConsumer(sendMail, config),
  ]);
  // Runs before the consumers close (reverse order): CRM messages held during an outage, and those waiting behind
  // them, go back to the queue in their places for the next active consumer.
  runtime.onShutdown('crm holds', async () => notifyCrm.stop());
  await keeper.start();
  alerts.start();
  logger.info(
    {
      crm: config.CRM_URL,
      maxPerSecond: config.CRM_MAX_PER_SECOND,
      mailRelay: describeRelay(relay),
      operators: config.OPERATOR_EMAILS.length || 'confirmed operator accounts',
      alertIntervalMs: config.ALERT_INTERVAL_MS,
    },
    'notifier started',
  );
});
