import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type Json, outputName, resources, stages, template } from '../synth.fixture';

describe.each(['dev', 'prod'])('%s edge and global stacks', (env) => {
  const stage = stages()[env];
  const t = template(stage.edge);
  const config = stage.config;
  const [[, distribution]] = resources(t, 'AWS::CloudFront::Distribution');
  const dc = distribution.DistributionConfig;

  it('sends /api/* to the ALB over HTTPS and everything else to S3 through Origin Access Control', () => {
    const api = dc.CacheBehaviors.find((b: Json) => b.PathPattern === '/api/*');
    expect(api).toBeDefined();
    const apiOrigin = dc.Origins.find((o: Json) => o.Id === api.TargetOriginId);
    expect(apiOrigin.DomainName).toBe(`origin.${config.domain.name}`);
    expect(apiOrigin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(apiOrigin.OriginCustomHeaders[0].HeaderName).toBe('X-Origin-Verify');
    expect(api.AllowedMethods).toContain('POST');
    expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // CachingDisabled

    const s3Origin = dc.Origins.find((o: Json) => o.Id === dc.DefaultCacheBehavior.TargetOriginId);
    expect(s3Origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    expect(s3Origin.OriginAccessControlId).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'],
    });
    expect(s3Origin.DomainName).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^WebBucket/), 'RegionalDomainName'] });
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      }),
    });
  });

  it('answers on the one domain name with a us-east-1 certificate and the WAF web ACL', () => {
    expect(dc.Aliases).toEqual([config.domain.name]);
    expect(dc.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
    expect(dc.ViewerCertificate.AcmCertificateArn['Fn::GetStackOutput']).toMatchObject({
      Region: 'us-east-1',
      StackName: `genlake-${env}-global`,
    });
    expect(outputName(dc.WebACLId)).toMatch(/WebAcl/);
    expect(dc.Logging.Prefix).toBe('cloudfront/');
    for (const type of ['A', 'AAAA']) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${config.domain.name}.`,
        Type: type,
        AliasTarget: Match.objectLike({
          DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Distribution'), 'DomainName'] },
        }),
      });
    }
  });

  it('has a WAF web ACL (CloudFront scope, us-east-1) with a rate-based rule and the AWS common rules', () => {
    expect(stage.global.region).toBe('us-east-1');
    const g = template(stage.global);
    g.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Rules: Match.arrayWith([
        Match.objectLike({
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: Match.objectLike({ Limit: config.edge.rateLimitPer5Minutes, AggregateKeyType: 'IP' }),
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' }),
          },
        }),
      ]),
    });
    g.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: config.domain.name,
      ValidationMethod: 'DNS',
    });
    g.hasResourceProperties('AWS::Route53::HostedZone', { Name: `${config.domain.name}.` });
  });
});
