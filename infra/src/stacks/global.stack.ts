import { Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { resourceName } from '../genlake.naming';

export interface GlobalStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * What must live in us-east-1 for CloudFront: its certificate and its WAF web ACL; and the public hosted zone of the
 * domain (global; created here unless its id is configured). Regional stacks read these through cross-region
 * references (Fn::GetStackOutput), so synth needs no lookups.
 */
export class GlobalStack extends Stack {
  readonly zone: route53.IHostedZone;
  readonly certificate: acm.ICertificate;
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: GlobalStackProps) {
    super(scope, id, props);
    const { config } = props;
    const domain = config.domain.name;

    this.zone = config.domain.hostedZoneId
      ? route53.PublicHostedZone.fromHostedZoneAttributes(this, 'Zone', {
          hostedZoneId: config.domain.hostedZoneId,
          zoneName: domain,
        })
      : new route53.PublicHostedZone(this, 'Zone', {
          zoneName: domain,
          comment: `genlake ${config.name}: delegate this zone's NS records from the parent domain`,
        });

    this.certificate = config.domain.cloudFrontCertificateArn
      ? acm.Certificate.fromCertificateArn(this, 'CloudFrontCertificate', config.domain.cloudFrontCertificateArn)
      : new acm.Certificate(this, 'CloudFrontCertificate', {
          domainName: domain,
          validation: acm.CertificateValidation.fromDns(this.zone),
        });

    const metric = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `genlake-${config.name}-${name}`,
    });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: resourceName(config, 'edge'),
      description: `genlake ${config.name} CloudFront - rate limit per IP, AWS managed rules`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: metric('edge'),
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: config.edge.rateLimitPer5Minutes,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: metric('rate-limit'),
        },
        {
          name: 'aws-common-rules',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              // batches are uploaded as bodies of any size (up to 1 GiB of CSV/NDJSON): the 8 KB body limit would
              // block every real upload, so that one rule only counts; the gateway enforces its own limits
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: metric('common-rules'),
        },
        {
          name: 'aws-known-bad-inputs',
          priority: 2,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
          visibilityConfig: metric('known-bad-inputs'),
        },
      ],
    });
    this.webAclArn = webAcl.attrArn;
  }
}
