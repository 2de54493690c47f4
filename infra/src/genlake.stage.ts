import { Aspects, Stage, type StageProps, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config';
import { DataStack } from './stacks/data.stack';
import { DeliveryStack } from './stacks/delivery.stack';
import { EdgeStack } from './stacks/edge.stack';
import { GlobalStack } from './stacks/global.stack';
import { LakeStack } from './stacks/lake.stack';
import { MessagingStack } from './stacks/messaging.stack';
import { NetworkStack } from './stacks/network.stack';
import { NotificationsStack } from './stacks/notifications.stack';
import { ObservabilityStack } from './stacks/observability.stack';
import { ServicesStack } from './stacks/services.stack';

export interface GenlakeStageProps extends StageProps {
  readonly config: EnvironmentConfig;
  /** Image tag the services run; default the configuration's. */
  readonly imageTag?: string;
  /** Apply the cdk-nag AwsSolutions checks (default true). */
  readonly nag?: boolean;
}

/**
 * One environment of genlake: stacks by domain, stateful ones apart and (when configured) termination-protected.
 * Deploy one with `npx aws-cdk@2 deploy --app 'node infra/dist/app.js' '<env>/*'`.
 */
export class GenlakeStage extends Stage {
  readonly config: EnvironmentConfig;
  readonly global: GlobalStack;
  readonly network: NetworkStack;
  readonly delivery: DeliveryStack;
  readonly data: DataStack;
  readonly lake: LakeStack;
  readonly messaging: MessagingStack;
  readonly notifications: NotificationsStack;
  readonly services: ServicesStack;
  readonly edge: EdgeStack;
  readonly observability: ObservabilityStack;

  constructor(scope: Construct, id: string, props: GenlakeStageProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: props.config.region } });
    const { config } = props;
    this.config = config;
    const env = { account: config.account, region: config.region };
    const common = (domain: string, stateful: boolean, description: string) => ({
      env,
      stackName: `genlake-${config.name}-${domain}`,
      description: `genlake ${config.name}: ${description}`,
      terminationProtection: stateful && config.terminationProtection,
      crossRegionReferences: true,
    });

    this.global = new GlobalStack(this, 'global', {
      ...common('global', true, 'CloudFront certificate, WAF web ACL and public hosted zone (us-east-1)'),
      env: { account: config.account, region: 'us-east-1' },
      config,
    });
    this.network = new NetworkStack(this, 'network', {
      ...common('network', true, 'VPC, NAT, flow logs, security groups, log bucket'),
      config,
    });
    this.delivery = new DeliveryStack(this, 'delivery', {
      ...common('delivery', true, 'ECR repositories and the GitHub deploy role'),
      config,
    });
    this.data = new DataStack(this, 'data', {
      ...common('data', true, 'PostgreSQL, its credentials and its private DNS name'),
      config,
      network: this.network,
    });
    this.lake = new LakeStack(this, 'lake', {
      ...common('lake', true, 'lake bucket, Glue tables, Athena workgroup'),
      config,
      network: this.network,
    });
    this.messaging = new MessagingStack(this, 'messaging', {
      ...common('messaging', true, `RabbitMQ (${config.messaging.mode})`),
      config,
      network: this.network,
    });
    this.notifications = new NotificationsStack(this, 'notifications', {
      ...common('notifications', true, 'SES e-mail identity, CRM and SMTP credentials of the notifier'),
      config,
      zone: this.global.zone,
    });
    this.services = new ServicesStack(this, 'services', {
      ...common('services', false, 'ECS services, load balancer'),
      config,
      network: this.network,
      data: this.data,
      lake: this.lake,
      messaging: this.messaging,
      delivery: this.delivery,
      global: this.global,
      notifications: this.notifications,
      imageTag: props.imageTag ?? config.delivery.imageTag,
    });
    this.edge = new EdgeStack(this, 'edge', {
      ...common('edge', true, 'CloudFront, web bucket, DNS records'),
      config,
      network: this.network,
      services: this.services,
      global: this.global,
      grafana: config.observability.mode === 'self-hosted',
    });
    this.observability = new ObservabilityStack(this, 'observability', {
      ...common('observability', false, 'alarms, log queries, Prometheus and Grafana'),
      config,
      network: this.network,
      data: this.data,
      lake: this.lake,
      messaging: this.messaging,
      services: this.services,
    });
    // the deploy role the edge and observability stacks attach policies to
    this.edge.addStackDependency(this.delivery);
    this.observability.addStackDependency(this.delivery);

    Tags.of(this).add('project', 'genlake');
    Tags.of(this).add('environment', config.name);
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);
    if (props.nag !== false) Aspects.of(this).add(new AwsSolutionsChecks({ verbose: true }));
  }
}
