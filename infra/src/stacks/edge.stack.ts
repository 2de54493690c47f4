import { WEB_HASHED_ASSETS_DIR, WEB_SECURITY_HEADERS } from '@genlake/contracts/web-headers';
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { resourceName } from '../genlake.naming';
import type { GlobalStack } from './global.stack';
import type { NetworkStack } from './network.stack';
import { ORIGIN_VERIFY_HEADER, type ServicesStack } from './services.stack';

/** Paths CloudFront sends to the ALB; everything else is the web app from S3. */
export const API_PATH = '/api/*';
export const GRAFANA_PATH = '/grafana*';
/** The web app's hashed build output (cached for a year); every other file of the app is revalidated. */
export const WEB_ASSETS_PATH = `/${WEB_HASHED_ASSETS_DIR}/*`;

/** HSTS of the one DNS name: two years, its subdomains too (the ALB's origin name is HTTPS only). */
export const HSTS_MAX_AGE = Duration.days(730);

/** The headers CloudFront's security-headers block carries itself; the rest of the set go as custom headers. */
const SECURITY_BLOCK = new Set([
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
]);

export interface EdgeStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly network: NetworkStack;
  readonly services: ServicesStack;
  readonly global: GlobalStack;
  /** Route `/grafana*` to the ALB too (self-hosted Grafana). */
  readonly grafana: boolean;
}

/**
 * One DNS name for everything: CloudFront serves the web app from a private S3 bucket (Origin Access Control) and
 * sends `/api/*` (and `/grafana*`) to the ALB over HTTPS with the origin-verify header; WAF (rate limit per IP, AWS
 * managed rules) in front; Route 53 alias records for the name.
 */
export class EdgeStack extends Stack {
  readonly webBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config, network, services, global } = props;

    this.webBucket = new s3.Bucket(this, 'WebBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: network.logBucket,
      serverAccessLogsPrefix: 's3/web/',
      lifecycleRules: [{ id: 'old-versions', noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // SPA routing: a path without a file extension is a route of the app → /index.html. Only on the default
    // behavior, so API errors reach the client as they are (no distribution-wide error pages).
    const spaRouting = new cloudfront.Function(this, 'SpaRouting', {
      functionName: resourceName(config, 'spa-routing'),
      comment: 'Serve index.html for app routes',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        [
          'function handler(event) {',
          '  var request = event.request;',
          "  var last = request.uri.split('/').pop();",
          "  if (last.indexOf('.') === -1) request.uri = '/index.html';",
          '  return request;',
          '}',
        ].join('\n'),
      ),
    });

    // The same headers as the gateway sends with the app (@genlake/contracts/web-headers), plus HSTS.
    const webHeaders = new cloudfront.ResponseHeadersPolicy(this, 'WebHeaders', {
      responseHeadersPolicyName: resourceName(config, 'web-headers'),
      comment: 'genlake web app: Content-Security-Policy, HSTS and the other security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: WEB_SECURITY_HEADERS['content-security-policy'],
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: {
          frameOption: WEB_SECURITY_HEADERS['x-frame-options'] as cloudfront.HeadersFrameOption,
          override: true,
        },
        referrerPolicy: {
          referrerPolicy: WEB_SECURITY_HEADERS['referrer-policy'] as cloudfront.HeadersReferrerPolicy,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: HSTS_MAX_AGE, includeSubdomains: true, override: true },
      },
      customHeadersBehavior: {
        customHeaders: Object.entries(WEB_SECURITY_HEADERS)
          .filter(([header]) => !SECURITY_BLOCK.has(header))
          .map(([header, value]) => ({ header, value, override: true })),
      },
    });

    // index.html, the service worker, registerSW.js, the manifest and the icons: the edge asks S3 on every request
    // (a conditional GET) and the browser revalidates (the deploy uploads them with Cache-Control: no-cache), so a
    // deploy shows at the next load. Compressed at the edge (gzip, Brotli).
    const revalidate = new cloudfront.CachePolicy(this, 'WebRevalidate', {
      cachePolicyName: resourceName(config, 'web-revalidate'),
      comment: 'genlake web app entry points: never served from the cache without asking S3',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const s3Origin = origins.S3BucketOrigin.withOriginAccessControl(this.webBucket);

    const apiOrigin = new origins.HttpOrigin(services.originDomain, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      httpsPort: 443,
      readTimeout: Duration.seconds(60),
      keepaliveTimeout: Duration.seconds(60),
      customHeaders: { [ORIGIN_VERIFY_HEADER]: services.originSecret.secretValue.unsafeUnwrap() },
    });
    const toAlb: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: true,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `genlake ${config.name}: web app and API on ${config.domain.name}`,
      domainNames: [config.domain.name],
      certificate: global.certificate,
      webAclId: global.webAclArn,
      priceClass:
        cloudfront.PriceClass[
          (
            {
              PriceClass_100: 'PRICE_CLASS_100',
              PriceClass_200: 'PRICE_CLASS_200',
              PriceClass_All: 'PRICE_CLASS_ALL',
            } as const
          )[config.edge.priceClass]
        ],
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: network.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: s3Origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: revalidate,
        responseHeadersPolicy: webHeaders,
        functionAssociations: [{ function: spaRouting, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
      additionalBehaviors: {
        [API_PATH]: toAlb,
        // Hashed files: cached as long as their Cache-Control says (a year, immutable); no SPA routing, so a
        // missing asset is an error, never index.html run as a script.
        [WEB_ASSETS_PATH]: {
          origin: s3Origin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: webHeaders,
          compress: true,
        },
        ...(props.grafana ? { [GRAFANA_PATH]: toAlb } : {}),
      },
    });

    for (const [id, Record] of [
      ['AliasA', route53.ARecord],
      ['AliasAAAA', route53.AaaaRecord],
    ] as const) {
      new Record(this, id, {
        zone: global.zone,
        recordName: config.domain.name,
        target: route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(this.distribution)),
      });
    }

    // CI publishes the web app (a later issue): upload to the bucket and invalidate the distribution
    const deployRole = iam.Role.fromRoleName(this, 'DeployRole', resourceName(config, 'github-deploy'));
    const webDeployPolicy = new iam.Policy(this, 'WebDeployPolicy', {
      roles: [deployRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject'],
          resources: [this.webBucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.webBucket.bucketArn] }),
        new iam.PolicyStatement({
          actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
          resources: [this.distributionArn()],
        }),
      ],
    });

    NagSuppressions.addResourceSuppressions(webDeployPolicy, [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'Publishing the web app replaces any object of the web bucket (it holds nothing else).',
        appliesTo: [{ regex: '/^Resource::<WebBucket[A-Za-z0-9]+\\.Arn>\\/\\*$/' }],
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The service is offered worldwide; no country is excluded. WAF rate limiting applies to everyone.',
      },
    ]);
  }

  private distributionArn(): string {
    return this.formatArn({
      service: 'cloudfront',
      region: '',
      resource: 'distribution',
      resourceName: this.distribution.distributionId,
    });
  }
}
