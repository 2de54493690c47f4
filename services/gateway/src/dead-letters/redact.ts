/**
 * Redaction of secrets in what operators are shown of dead letters (the API and the dead-letters CLI): a dead
 * user.registered still holds a working confirmation link, and an operator needs to see that it had one, not the
 * token. Replaying uses the stored message, unredacted.
 */

/** Stands in for every secret removed. */
export const REDACTED = '[redacted]';

/** Names of fields (any depth, any case, part of the name) whose values are secrets. */
const SECRET_FIELD = /token|secret|password|passwd|passphrase|api[-_]?key|authorization|cookie|credential|signature/i;

/** Query parameters of a URL whose values are secrets (`?token=...`, `&code=...`). */
const SECRET_PARAM =
  /([?&#](?:[\w.-]*token|code|secret|password|key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&#\s"'<>]+/gi;
/** The password of a URL's user information: `scheme://user:password@host`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)[^\s@/"']+@/gi;
/** A credential after an authorization scheme. */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

/** A string with the secrets it carries (URL tokens, URL passwords, bearer tokens) replaced by REDACTED. */
export function redactText(text: string): string {
  return text
    .replace(SECRET_PARAM, `$1${REDACTED}`)
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`);
}

/**
 * A copy of `value` without secrets: the value of every field named like a secret is REDACTED, and every string
 * goes through redactText. Anything else is copied as it is.
 */
export function redactSecrets<T>(value: T): T {
  return redact(value, 0) as T;
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any message: nothing below is shown rather than something unredacted.
  if (depth > 32) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      SECRET_FIELD.test(key) && item !== null && item !== undefined && item !== '' ? REDACTED : redact(item, depth + 1);
  }
  return out;
}
