import { randomUUID } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { GatewayConfig } from '../config';
import { type Principal, ROLES, type Role } from './principal';

/** Only this algorithm is accepted: `alg: none`, RS/ES keys confused with the HMAC secret and others are refused. */
export const ACCESS_TOKEN_ALGORITHMS = ['HS256'] as const;

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

type IssuerConfig = Pick<
  GatewayConfig,
  'AUTH_JWT_SECRET' | 'AUTH_JWT_ISSUER' | 'AUTH_JWT_AUDIENCE' | 'AUTH_ACCESS_TTL_SECONDS'
>;

/**
 * Short-lived JWT access tokens (HS256 with a key from configuration), checked for algorithm, signature, issuer,
 * audience, type and expiry. fast-jwt signs and verifies with node:crypto on the calling thread (microseconds): a
 * WebCrypto-based library would queue every request's verification on libuv's thread pool behind the Argon2
 * hashes of a login storm (docs/benchmarks.md).
 */
export class AccessTokenIssuer {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly check: (token: string) => { header: Record<string, unknown>; payload: Record<string, unknown> };

  constructor(private readonly config: IssuerConfig) {
    this.sign = createSigner({
      key: config.AUTH_JWT_SECRET,
      algorithm: 'HS256',
      iss: config.AUTH_JWT_ISSUER,
      aud: config.AUTH_JWT_AUDIENCE,
      expiresIn: config.AUTH_ACCESS_TTL_SECONDS * 1000,
      header: { alg: 'HS256', typ: 'JWT' },
    });
    this.check = createVerifier({
      key: config.AUTH_JWT_SECRET,
      algorithms: [...ACCESS_TOKEN_ALGORITHMS],
      allowedIss: config.AUTH_JWT_ISSUER,
      allowedAud: config.AUTH_JWT_AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat', 'iss', 'aud'],
      complete: true,
      // Verified tokens are remembered (until they expire) so a busy client costs one HMAC per token, not per request.
      cache: 10_000,
    }) as never;
  }

  get ttlSeconds(): number {
    return this.config.AUTH_ACCESS_TTL_SECONDS;
  }

  async issue(principal: Principal): Promise<string> {
    return this.sign({
      sub: principal.id,
      role: principal.role,
      email_verified: principal.emailConfirmed,
      jti: randomUUID(),
    });
  }

  /** The principal of a valid token; otherwise an InvalidTokenError saying what is wrong (never which key). */
  async verify(token: string): Promise<Principal> {
    let decoded: { header: Record<string, unknown>; payload: Record<string, unknown> };
    try {
      decoded = this.check(token);
    } catch (err) {
      throw new InvalidTokenError(reasonOf(err));
    }
    const { header, payload } = decoded;
    if (header.typ !== undefined && header.typ !== 'JWT')
      throw new InvalidTokenError('the token is not a JWT access token');
    const role = payload.role as Role;
    if (!ROLES.includes(role)) throw new InvalidTokenError('the token has no valid role');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw new InvalidTokenError('the token has no subject');
    return { id: payload.sub, role, emailConfirmed: payload.email_verified === true };
  }
}

function reasonOf(err: unknown): string {
  if (!(err instanceof TokenError)) return 'the token is not valid';
  switch (err.code) {
    case TokenError.codes.expired:
      return 'the access token has expired; use the refresh token to get a new one';
    case TokenError.codes.invalidAlgorithm:
      return 'the token is signed with an algorithm that is not accepted';
    case TokenError.codes.invalidSignature:
    case TokenError.codes.missingSignature:
      return 'the token signature is not valid';
    case TokenError.codes.invalidClaimValue:
    case TokenError.codes.invalidClaimType:
    case TokenError.codes.missingRequiredClaim:
    case TokenError.codes.inactive:
      return `the token's claims are not valid: ${err.message}`;
    default:
      return 'the token is not a well-formed signed JWT';
  }
}
