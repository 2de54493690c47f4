import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config';
import { enabledServices, pascal, resourceName } from '../genlake.naming';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
/** The CDK bootstrap qualifier the deploy role may assume roles of (`cdk bootstrap` default). */
export const CDK_QUALIFIER = 'hnb659fds';

export interface DeliveryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * Continuous delivery: one ECR repository per service (scan on push, lifecycle rules, immutable tags except
 * `latest`), the GitHub OIDC provider and the role GitHub Actions assume — trusted only from the main branch and `v*`
 * tags of the configured repository — allowed to push images and to assume the CDK bootstrap roles that deploy.
 */
export class DeliveryStack extends Stack {
  readonly repositories: Record<string, ecr.Repository> = {};
  readonly deployRole: iam.Role;
  readonly deployRoleName: string;

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    super(scope, id, props);
    const { config } = props;

    for (const [name] of enabledServices(config)) {
      this.repositories[name] = new ecr.Repository(this, `${pascal(name)}Repository`, {
        repositoryName: `genlake-${config.name}/${name}`,
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
        imageTagMutabilityExclusionFilters: [ecr.ImageTagMutabilityExclusionFilter.wildcard('latest')],
        encryption: ecr.RepositoryEncryption.AES_256,
        removalPolicy: RemovalPolicy.RETAIN,
        lifecycleRules: [
          {
            description: 'untagged layers of rebuilt tags',
            tagStatus: ecr.TagStatus.UNTAGGED,
            maxImageAge: Duration.days(7),
          },
          {
            description: `keep the last ${config.delivery.keepImages} images`,
            tagStatus: ecr.TagStatus.ANY,
            maxImageCount: config.delivery.keepImages,
          },
        ],
      });
    }

    const providerArn = `arn:${this.partition}:iam::${config.account}:oidc-provider/${GITHUB_OIDC_HOST}`;
    const provider = config.delivery.createOidcProvider
      ? new iam.OidcProviderNative(this, 'GitHubOidcProvider', {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIds: ['sts.amazonaws.com'],
        })
      : iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidcProvider', providerArn);

    const repo = config.delivery.githubRepository;
    this.deployRoleName = resourceName(config, 'github-deploy');
    this.deployRole = new iam.Role(this, 'GitHubDeployRole', {
      roleName: this.deployRoleName,
      description: `GitHub Actions of ${repo} (main, v* tags): push images, deploy genlake ${config.name}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(provider.oidcProviderArn, {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com' },
        StringLike: {
          [`${GITHUB_OIDC_HOST}:sub`]: [`repo:${repo}:ref:refs/heads/main`, `repo:${repo}:ref:refs/tags/v*`],
        },
      }),
    });
    for (const repository of Object.values(this.repositories)) repository.grantPullPush(this.deployRole);
    // `cdk deploy` assumes the bootstrap roles of the region and of us-east-1 (the CloudFront certificate and WAF)
    const bootstrapRoles = [config.region, 'us-east-1'].flatMap((region) =>
      ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(
        (kind) =>
          `arn:${this.partition}:iam::${config.account}:role/cdk-${CDK_QUALIFIER}-${kind}-role-${config.account}-${region}`,
      ),
    );
    this.deployRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: bootstrapRoles }),
    );

    NagSuppressions.addResourceSuppressions(
      this.deployRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'ecr:GetAuthorizationToken has no resource-level permissions; pushes are limited to the repositories above.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
