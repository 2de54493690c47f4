import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactText } from './redact';

describe('redaction of what operators see of dead letters', () => {
  it('removes the token of a dead user.registered confirmation link and keeps everything else', () => {
    const message = {
      id: '5e7a9c1e-3a5c-4e7a-9c1e-3a5c7e9a1c3e',
      type: 'user.registered',
      data: {
        userId: '8d0e6f8a-4f4b-4b8e-9d6c-3a1f2e5b7c90',
        email: 'ada@example.com',
        confirmationUrl: 'https://genlake.example.com/confirm?token=Lm4Nb6Vc8Xz0Aq2Ws4Ed6Rf8Tg0Yh2U&lang=en',
        confirmationExpiresAt: '2026-11-05T08:00:00Z',
      },
    };
    const shown = redactSecrets(message);
    expect(shown.data.confirmationUrl).toBe(`https://genlake.example.com/confirm?token=${REDACTED}&lang=en`);
    expect(JSON.stringify(shown)).not.toContain('Lm4Nb6Vc8Xz0Aq2Ws4Ed6Rf8Tg0Yh2U');
    expect({ ...shown, data: { ...shown.data, confirmationUrl: message.data.confirmationUrl } }).toEqual(message);
    // The original is not changed (replaying sends it as it was).
    expect(message.data.confirmationUrl).toContain('token=Lm4N');
  });

  it('blanks fields named like secrets at any depth, in any case', () => {
    expect(
      redactSecrets({
        resetToken: 'abc',
        nested: [{ Password: 'hunter2', apiKey: 'k', client_secret: 's', authorization: 'Bearer x' }],
        tokenCount: 3,
        empty: { token: null },
        other: 'plain',
      }),
    ).toEqual({
      resetToken: REDACTED,
      nested: [{ Password: REDACTED, apiKey: REDACTED, client_secret: REDACTED, authorization: REDACTED }],
      tokenCount: REDACTED,
      empty: { token: null },
      other: 'plain',
    });
  });

  it('removes URL tokens, URL passwords and bearer credentials from free text (reasons, raw bodies)', () => {
    expect(redactText('GET https://x.example/reset?code=123456 failed')).toBe(
      `GET https://x.example/reset?code=${REDACTED} failed`,
    );
    expect(redactText('amqp://guest:s3cret@rabbit:5672 refused')).toBe(`amqp://guest:${REDACTED}@rabbit:5672 refused`);
    expect(redactText('sent Authorization: Bearer eyJhbGciOi.J9.x')).toBe(`sent Authorization: Bearer ${REDACTED}`);
    expect(redactText('{"url":"http://h/confirm?access_token=zz"}')).toBe(
      `{"url":"http://h/confirm?access_token=${REDACTED}"}`,
    );
    expect(redactText('nothing secret at https://genlake.example.com/batches/1?page=2')).toBe(
      'nothing secret at https://genlake.example.com/batches/1?page=2',
    );
  });

  it('copies numbers, booleans and null as they are and stops at an absurd depth', () => {
    expect(redactSecrets({ a: 1, b: true, c: null })).toEqual({ a: 1, b: true, c: null });
    let deep: unknown = 'https://h/?token=t';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(JSON.stringify(redactSecrets(deep))).not.toContain('token=t');
  });
});
