import { type ServiceName, serviceTopology } from '@genlake/contracts/topology';
import { tablePrefix, tablesForStage } from '@genlake/lake';
import type { EnvironmentConfigInput } from './config.schema';

type ServiceInput = EnvironmentConfigInput['services'][string];
type ServiceFacts = Pick<
  ServiceInput,
  | 'kind'
  | 'port'
  | 'queue'
  | 'extraQueues'
  | 'drainsDeadLetters'
  | 'pathPatterns'
  | 'storage'
  | 'environment'
  | 'secrets'
  | 'enabled'
>;
export type ServiceSizing = Omit<ServiceInput, keyof ServiceFacts>;

/** Kind, port and queues of a service, from the service topology of the contracts (packages/contracts). */
function fromTopology(name: ServiceName): Pick<ServiceFacts, 'kind' | 'port' | 'queue' | 'extraQueues'> {
  const { kind, port, consumes } = serviceTopology(name);
  const [queue, ...extraQueues] = consumes;
  return { kind, port, ...(queue ? { queue } : {}), ...(extraQueues.length > 0 ? { extraQueues } : {}) };
}

/**
 * What each team service is, the same in every environment: kind, port and the queues it consumes (from the service
 * topology of packages/contracts; the first queue is `queue`, any others `extraQueues`), the object-key prefixes it
 * may read and write, its plain settings (values may use `{domain}`, `{region}`, `{alarmEmail}`, `{crmUrl}`: see
 * SETTING_PLACEHOLDERS) and the platform secrets ECS injects (APP_SECRETS). The lake tables a stage writes come from
 * lake/tables, so a new table gets its grant without touching infra.
 *
 * To add a service, add it to the topology (packages/contracts/src/topology.ts), one entry here and its sizing in
 * dev.config.ts and prod.config.ts; its security group, repository, task, role, log group, scaling, scrape job and
 * alarms follow (then UPDATE_BASELINE=1 for the new repository and log group).
 */
export const TEAM_SERVICES = {
  gateway: {
    ...fromTopology('gateway'),
    pathPatterns: ['/api/*'],
    // claim-checked uploads in; every lake table out (pages, results, generation comparisons)
    storage: { read: ['lake/'], write: ['incoming/'] },
    environment: {
      // confirmation links in e-mails; issuer and audience of the access tokens it signs
      PUBLIC_BASE_URL: 'https://{domain}',
      AUTH_JWT_ISSUER: 'https://{domain}',
      AUTH_JWT_AUDIENCE: 'genlake-api',
      // CloudFront and the ALB each add an X-Forwarded-For entry: the client is the entry CloudFront wrote
      TRUST_PROXY_HOPS: '2',
    },
    // HS256 key, generated (64 letters and digits); rotation: docs/security.md
    secrets: { AUTH_JWT_SECRET: { secret: 'auth-jwt' } },
  },
  processor: {
    ...fromTopology('processor'),
    storage: { read: ['incoming/'], write: tablesForStage('processed').map((t) => tablePrefix(t)) },
  },
  corrector: {
    ...fromTopology('corrector'),
    storage: { read: ['lake/estimates/'], write: tablesForStage('corrected').map((t) => tablePrefix(t)) },
  },
  notifier: {
    // notifier.crm (one active consumer calls the CRM, decision 0009) and notifier.mail (any replica sends)
    ...fromTopology('notifier'),
    // moves every <queue>.dead message to the database and e-mails OPERATOR_EMAILS
    drainsDeadLetters: true,
    // no object storage at all: no S3 permission in its task role
    storage: { read: [], write: [] },
    environment: {
      CRM_URL: '{crmUrl}',
      CRM_MAX_PER_SECOND: '80',
      // SES SMTP interface of the region, STARTTLS on 587 through NAT (EC2 throttles port 25, not 587)
      SMTP_HOST: 'email-smtp.{region}.amazonaws.com',
      SMTP_PORT: '587',
      SMTP_REQUIRE_TLS: 'true',
      MAIL_FROM: 'genlake <no-reply@{domain}>',
      PUBLIC_BASE_URL: 'https://{domain}',
      OPERATOR_EMAILS: '{alarmEmail}',
      // few queries (inbox, users, dead letters): a small pool keeps prod's tasks within RDS's connection limit
      DATABASE_POOL_MAX: '2',
    },
    // filled in by an operator: docs/operations.md, "E-mail and the CRM"
    secrets: {
      CRM_TOKEN: { secret: 'crm-token' },
      SMTP_USER: { secret: 'smtp', field: 'user' },
      SMTP_PASSWORD: { secret: 'smtp', field: 'password' },
    },
  },
} as const satisfies Record<string, ServiceFacts>;

export type TeamServiceName = keyof typeof TEAM_SERVICES;

/** The services of an environment: the shared facts above plus the environment's sizing of each. */
export function teamServices(sizing: Record<TeamServiceName, ServiceSizing>): Record<string, ServiceInput> {
  const out: Record<string, ServiceInput> = {};
  for (const [name, facts] of Object.entries(TEAM_SERVICES)) {
    const { storage, pathPatterns, extraQueues, environment, secrets, ...rest } = facts as ServiceFacts;
    out[name] = {
      ...rest,
      pathPatterns: pathPatterns ? [...pathPatterns] : undefined,
      extraQueues: extraQueues ? [...extraQueues] : undefined,
      storage: storage ? { read: [...(storage.read ?? [])], write: [...(storage.write ?? [])] } : undefined,
      environment: environment ? { ...environment } : undefined,
      secrets: secrets ? structuredClone(secrets) : undefined,
      ...sizing[name as TeamServiceName],
    };
  }
  return out;
}
