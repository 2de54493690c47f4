import {
  IMMUTABLE_CACHE,
  WEB_CONTENT_SECURITY_POLICY,
  WEB_HASHED_ASSETS_DIR,
  WEB_SECURITY_HEADERS,
} from '@genlake/contracts/web-headers';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { type Json, outputName, resources, stages, template } from '../synth.fixture';

/** The managed cache policy that honours the object's Cache-Control (up to a year). */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
/** Headers CloudFront sets only through its security-headers block: refused as custom headers. */
const SECURITY_BLOCK_ONLY = [
  'content-security-policy',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
  'x-xss-protection',
];

/** The headers a response headers policy sends, as lower-case name → value (what a browser receives). */
function headersOf(config: Json): Record<string, string> {
  const sec = config.SecurityHeadersConfig ?? {};
  const out: Record<string, string> = {};
  if (sec.ContentSecurityPolicy) out['content-security-policy'] = sec.ContentSecurityPolicy.ContentSecurityPolicy;
  if (sec.ContentTypeOptions) out['x-content-type-options'] = 'nosniff';
  if (sec.FrameOptions) out['x-frame-options'] = sec.FrameOptions.FrameOption;
  if (sec.ReferrerPolicy) out['referrer-policy'] = sec.ReferrerPolicy.ReferrerPolicy;
  const hsts = sec.StrictTransportSecurity;
  if (hsts) {
    out['strict-transport-security'] = [
      `max-age=${hsts.AccessControlMaxAgeSec}`,
      ...(hsts.IncludeSubdomains ? ['includeSubDomains'] : []),
      ...(hsts.Preload ? ['preload'] : []),
    ].join('; ');
  }
  for (const h of config.CustomHeadersConfig?.Items ?? []) out[h.Header.toLowerCase()] = h.Value;
  return out;
}

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

  it('sends the web app with the same Content-Security-Policy and security headers as the gateway, plus HSTS', () => {
    const policies = resources(t, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(policies).toHaveLength(1);
    const [[policyId, { ResponseHeadersPolicyConfig: policy }]] = policies;
    const sent = headersOf(policy);
    expect(sent['content-security-policy']).toBe(WEB_CONTENT_SECURITY_POLICY);
    expect(sent).toMatchObject(WEB_SECURITY_HEADERS);
    expect(sent['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    expect(policy.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy).toContain(
      "frame-ancestors 'none'",
    );
    for (const h of policy.CustomHeadersConfig.Items) {
      expect(SECURITY_BLOCK_ONLY, `${h.Header} must go through SecurityHeadersConfig`).not.toContain(h.Header);
    }
    // every header replaces whatever the origin sent (S3 sends none of them; a stray one must not win)
    for (const block of Object.values(policy.SecurityHeadersConfig) as Json[]) expect(block.Override).toBe(true);
    for (const h of policy.CustomHeadersConfig.Items) expect(h.Override).toBe(true);

    const assets = dc.CacheBehaviors.find((b: Json) => b.PathPattern === `/${WEB_HASHED_ASSETS_DIR}/*`);
    for (const behavior of [dc.DefaultCacheBehavior, assets]) {
      expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    }
    const api = dc.CacheBehaviors.find((b: Json) => b.PathPattern === '/api/*');
    expect(api.ResponseHeadersPolicyId, 'the API keeps its own headers').toBeUndefined();
  });

  it('caches the hashed assets as long as they say, and asks S3 for every other file of the app on each request', () => {
    const assets = dc.CacheBehaviors.find((b: Json) => b.PathPattern === `/${WEB_HASHED_ASSETS_DIR}/*`);
    expect(assets.TargetOriginId).toBe(dc.DefaultCacheBehavior.TargetOriginId);
    expect(assets.CachePolicyId).toBe(CACHING_OPTIMIZED);
    expect(assets.Compress).toBe(true);
    expect(assets.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(assets.FunctionAssociations, 'no SPA fallback: a missing asset is not index.html').toBeUndefined();
    expect(IMMUTABLE_CACHE).toMatch(/max-age=31536000/); // within CachingOptimized's maximum TTL of a year

    const [[entryId, { CachePolicyConfig: entry }]] = resources(t, 'AWS::CloudFront::CachePolicy');
    expect(dc.DefaultCacheBehavior.CachePolicyId).toEqual({ Ref: entryId });
    expect(entry).toMatchObject({ MinTTL: 0, DefaultTTL: 0 });
    expect(entry.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
    });
    expect(dc.DefaultCacheBehavior.Compress).toBe(true);
  });

  it('answers the SPA routes with index.html on the default behaviour only', () => {
    const [[fnId, { FunctionCode: code }]] = resources(t, 'AWS::CloudFront::Function');
    expect(dc.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } },
    ]);
    for (const b of dc.CacheBehaviors) expect(b.FunctionAssociations).toBeUndefined();
    // the function itself, run as CloudFront runs it
    const handler = new Function(`${code}; return handler;`)() as (e: Json) => Json;
    const uri = (u: string) => handler({ request: { uri: u } }).uri;
    expect(uri('/batches/123')).toBe('/index.html');
    expect(uri('/')).toBe('/index.html');
    expect(uri('/sw.js')).toBe('/sw.js');
    expect(uri('/manifest.webmanifest')).toBe('/manifest.webmanifest');
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
