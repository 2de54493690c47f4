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
});
