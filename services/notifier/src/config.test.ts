import { ConfigError, parseConfig } from '@genlake/kit';
import { describe, expect, it } from 'vitest';
import { notifierConfigSchema } from './config';

describe('notifier configuration', () => {
  it('defaults to 80 CRM requests per second and port 8083', () => {
    const config = parseConfig(notifierConfigSchema, {});
    expect(config.CRM_MAX_PER_SECOND).toBe(80);
    expect(config.PORT).toBe(8083);
    expect(config.CRM_URL).toBe('http://127.0.0.1:8090/v1/events');
  });

  it('accepts up to 99 requests per second', () => {
    expect(parseConfig(notifierConfigSchema, { CRM_MAX_PER_SECOND: '99' }).CRM_MAX_PER_SECOND).toBe(99);
  });

  it.each(['100', '250', '0', '-1', '80.5', 'many'])('refuses CRM_MAX_PER_SECOND=%s', (value) => {
    expect(() => parseConfig(notifierConfigSchema, { CRM_MAX_PER_SECOND: value })).toThrow(ConfigError);
  });

  it('names the variable and the CRM limit in the error', () => {
    try {
      parseConfig(notifierConfigSchema, { CRM_MAX_PER_SECOND: '100' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('CRM_MAX_PER_SECOND');
      expect((err as Error).message).toContain('below 100');
    }
  });

  it('refuses a CRM_URL that is not http(s)', () => {
    expect(() => parseConfig(notifierConfigSchema, { CRM_URL: 'amqp://x' })).toThrow(ConfigError);
  });

  it('defaults to a local mail relay without TLS, and alerts the operator accounts every 30 s', () => {
    const config = parseConfig(notifierConfigSchema, {});
    expect(config).toMatchObject({
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: 1025,
      SMTP_SECURE: false,
      SMTP_REQUIRE_TLS: false,
      MAIL_FROM: 'genlake <no-reply@genlake.local>',
      PUBLIC_BASE_URL: 'http://localhost:8080',
      OPERATOR_EMAILS: [],
      ALERT_INTERVAL_MS: 30_000,
      CRM_HOLD_MAX_MS: 300_000,
    });
    expect(config.SMTP_USER ?? config.SMTP_PASSWORD).toBeUndefined();
  });

  it('reads SES-like settings and a list of operators', () => {
    const config = parseConfig(notifierConfigSchema, {
      SMTP_HOST: 'email-smtp.eu-central-1.amazonaws.com',
      SMTP_PORT: '587',
      SMTP_REQUIRE_TLS: 'true',
      SMTP_USER: 'AKIAEXAMPLE',
      SMTP_PASSWORD: 'secret',
      MAIL_FROM: 'no-reply@genlake.example.com',
      OPERATOR_EMAILS: ' ops@example.com, oncall@example.com ,',
    });
    expect(config.SMTP_REQUIRE_TLS).toBe(true);
    expect(config.OPERATOR_EMAILS).toEqual(['ops@example.com', 'oncall@example.com']);
  });

  it('wants SMTP_USER and SMTP_PASSWORD together', () => {
    expect(() => parseConfig(notifierConfigSchema, { SMTP_USER: 'me' })).toThrow(
      /SMTP_PASSWORD: SMTP_USER and SMTP_PASSWORD go together/,
    );
    expect(() => parseConfig(notifierConfigSchema, { SMTP_PASSWORD: 'pw' })).toThrow(/SMTP_USER:/);
  });

  it.each([
    ['OPERATOR_EMAILS', 'ops@example.com, not-an-address'],
    ['MAIL_FROM', 'genlake'],
    ['MAIL_FROM', 'genlake <nobody>'],
    ['PUBLIC_BASE_URL', 'ftp://genlake.example.com'],
    ['CRM_HOLD_MAX_MS', String(16 * 60_000)],
    ['SMTP_PORT', '70000'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => parseConfig(notifierConfigSchema, { [name]: value })).toThrow(ConfigError);
  });
});
