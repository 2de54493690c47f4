import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CrmStub, startCrmStub } from '@genlake/crm-stub';
import { type MailStub, startMailStub } from '@genlake/mail-stub';
import {
  freePort,
  GENEROUS_LIMITS,
  REPO_ROOT,
  ServiceProcess,
  setupTestServices,
  type TestServices,
} from '@genlake/testing';
import postgres from 'postgres';

export const WEB_DIST = join(REPO_ROOT, 'services', 'web', 'dist');

/**
 * genlake as `npm start` runs it, for the browser: the gateway serving the built web app and the API on one
 * origin, the processor, the corrector, the notifier with the mail and CRM stand-ins, against real Postgres,
 * RabbitMQ and an S3 server. The gateway keeps its port across a stop and a start, as a restarted server does.
 */
export class WebSystem {
  private constructor(
    readonly services: TestServices,
    readonly gateway: ServiceProcess,
    private readonly workers: ServiceProcess[],
    readonly mail: MailStub,
    private readonly crm: CrmStub,
    readonly sql: postgres.Sql,
    readonly workDir: string,
  ) {}

  static async start(label: string): Promise<WebSystem> {
    if (!existsSync(join(WEB_DIST, 'index.html')))
      throw new Error(`the web app is not built (${WEB_DIST}): run npm test, which builds it, or npm run build`);
    const services = await setupTestServices(label);
    const workDir = await mkdtemp(join(tmpdir(), `genlake-${label}-`));
    const [mail, crm] = await Promise.all([startMailStub({ smtpPort: 0, httpPort: 0 }), startCrmStub({ port: 0 })]);
    const env = { ...services.serviceEnv(), WORK_DIR: join(workDir, 'work'), ...GENEROUS_LIMITS };
    const logs = join(workDir, 'logs');
    const gatewayPort = await freePort();
    const publicUrl = `http://127.0.0.1:${gatewayPort}`;
    const gateway = new ServiceProcess('gateway', gatewayPort, { ...env, PUBLIC_BASE_URL: publicUrl }, logs);
    await gateway.launch();
    const workers = await Promise.all([
      ServiceProcess.start('processor', { ...env, PROCESSOR_CONCURRENCY: '2' }, logs),
      // One earlier generation is history enough here (the default asks for 3), so that a test can make a correction.
      ServiceProcess.start('corrector', { ...env, CORRECTION_MIN_HISTORY: '1' }, logs),
      ServiceProcess.start(
        'notifier',
        {
          ...env,
          SMTP_HOST: mail.smtpHost,
          SMTP_PORT: String(mail.smtpPort),
          CRM_URL: crm.eventsUrl,
          CRM_TOKEN: crm.token,
          PUBLIC_BASE_URL: publicUrl,
          OPERATOR_EMAILS: 'ops@example.com',
        },
        logs,
      ),
    ]);
    const sql = postgres(services.databaseUrl, { max: 2, onnotice: () => {} });
    return new WebSystem(services, gateway, workers, mail, crm, sql, workDir);
  }

  get url(): string {
    return this.gateway.url;
  }

  /** Batches of a dataset as Postgres has them: what "delivered exactly once" is checked against. */
  async batchesOf(dataset: string): Promise<Array<{ id: string; status: string; record_count: number }>> {
    return this.sql<Array<{ id: string; status: string; record_count: number }>>`
      select b.id::text, b.status, b.record_count::int from batches b join datasets d on d.id = b.dataset_id
      where d.name = ${dataset} order by b.created_at`;
  }

  async stop(): Promise<void> {
    await Promise.all([this.gateway.stop(), ...this.workers.map((w) => w.stop())]);
    await Promise.all([this.mail.close(), this.crm.stop(), this.sql.end()]);
    await this.services.cleanup();
    if (!process.env.KEEP_TEST_FILES) await rm(this.workDir, { recursive: true, force: true });
  }
}
