import { dictionary } from '@zxcvbn-ts/language-common';

/** NIST SP 800-63B / OWASP: at least 8 characters, long passphrases allowed, no composition rules. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

let common: Set<string> | undefined;

/** The ~49,000 most common passwords of the zxcvbn-ts dictionary (leaked-password lists), lower case. */
function commonPasswords(): Set<string> {
  common ??= new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  return common;
}

/** Unicode passwords compare after NFKC normalization, so the same passphrase typed on two keyboards matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Why a new password is refused, or undefined when it is acceptable. Length counts code points. */
export function passwordProblem(password: string, email?: string): string | undefined {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return `the password must have at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `the password must have at most ${PASSWORD_MAX_LENGTH} characters`;
  const lower = normalized.toLowerCase();
  if (commonPasswords().has(lower)) return 'this password is one of the most common ones; choose another';
  if (/^(.)\1*$/u.test(normalized)) return 'the password repeats one character; choose another';
  if (email && lower === email.trim().toLowerCase()) return 'the password must not be the email address';
  return undefined;
}
