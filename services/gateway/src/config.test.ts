import { ConfigError, parseConfig } from '@genlake/kit';
import { describe, expect, it } from 'vitest';
import { checkedGatewayConfigSchema, DEVELOPMENT_JWT_SECRET } from './config';

const KEY = 'k'.repeat(32);

function problems(env: Record<string, string>): string {
  try {
    parseConfig(checkedGatewayConfigSchema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('gateway configuration: the JWT key', () => {
  it('stops the gateway without a key, naming the variable', () => {
    expect(problems({})).toMatch(/AUTH_JWT_SECRET: is required.*\(not set\)/);
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(problems({ AUTH_JWT_SECRET: 'k'.repeat(31) })).toMatch(/AUTH_JWT_SECRET: must be at least 32 bytes/);
    // Bytes, not characters: 16 two-byte characters are 32 bytes.
    expect(parseConfig(checkedGatewayConfigSchema, { AUTH_JWT_SECRET: 'é'.repeat(16) }).AUTH_JWT_SECRET).toHaveLength(
      16,
    );
  });

  it('refuses the development key in production, and only there', () => {
    expect(problems({ AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET, NODE_ENV: 'production' })).toMatch(
      /AUTH_JWT_SECRET: is the development key/,
    );
    expect(parseConfig(checkedGatewayConfigSchema, { AUTH_JWT_SECRET: DEVELOPMENT_JWT_SECRET }).NODE_ENV).toBe(
      'development',
    );
  });

  it('has 15-minute access tokens, 30-day refresh tokens and 24-hour confirmation links by default', () => {
    const config = parseConfig(checkedGatewayConfigSchema, { AUTH_JWT_SECRET: KEY });
    expect(config.AUTH_ACCESS_TTL_SECONDS).toBe(900);
    expect(config.AUTH_REFRESH_TTL_DAYS).toBe(30);
    expect(config.AUTH_CONFIRMATION_TTL_HOURS).toBe(24);
    expect(config.TRUST_PROXY_HOPS).toBe(0);
  });

  it('refuses access tokens that live longer than an hour', () => {
    expect(problems({ AUTH_JWT_SECRET: KEY, AUTH_ACCESS_TTL_SECONDS: '86400' })).toMatch(/AUTH_ACCESS_TTL_SECONDS/);
  });
});
