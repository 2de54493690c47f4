import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { GatewayConfig } from '../config';
import { type Principal, ROLES, type Role } from './principal';

/** Only this algorithm is accepted: `alg: none`, RS/ES keys confused with the HMAC secret and others are refused. */
export const ACCESS_TOKEN_ALGORITHMS = ['HS256'];

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** Short-lived JWT access tokens (HS256 with a key from configuration), checked for issuer, audience and expiry. */
export class AccessTokenIssuer {
  private readonly key: Uint8Array;

  constructor(
    private readonly config: Pick<
      GatewayConfig,
      'AUTH_JWT_SECRET' | 'AUTH_JWT_ISSUER' | 'AUTH_JWT_AUDIENCE' | 'AUTH_ACCESS_TTL_SECONDS'
    >,
  ) {
    this.key = new TextEncoder().encode(config.AUTH_JWT_SECRET);
  }

  get ttlSeconds(): number {
    return this.config.AUTH_ACCESS_TTL_SECONDS;
  }

  issue(principal: Principal): Promise<string> {
    return new SignJWT({ role: principal.role, email_verified: principal.emailConfirmed })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(principal.id)
      .setIssuer(this.config.AUTH_JWT_ISSUER)
      .setAudience(this.config.AUTH_JWT_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.config.AUTH_ACCESS_TTL_SECONDS}s`)
      .setJti(randomUUID())
      .sign(this.key);
  }

  /** The principal of a valid token; otherwise an InvalidTokenError saying what is wrong (never which key). */
  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        issuer: this.config.AUTH_JWT_ISSUER,
        audience: this.config.AUTH_JWT_AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat'],
        typ: 'JWT',
      });
      const role = payload.role as Role;
      if (!ROLES.includes(role)) throw new InvalidTokenError('the token has no valid role');
      if (typeof payload.sub !== 'string' || payload.sub.length === 0)
        throw new InvalidTokenError('the token has no subject');
      return { id: payload.sub, role, emailConfirmed: payload.email_verified === true };
    } catch (err) {
      throw new InvalidTokenError(reasonOf(err));
    }
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof InvalidTokenError) return err.message;
  if (err instanceof errors.JWTExpired) return 'the access token has expired; use the refresh token to get a new one';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (err instanceof errors.JWTClaimValidationFailed)
    return `the token's "${err.claim}" claim is not valid (${err.reason})`;
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported)
    return 'the token is not a well-formed signed JWT';
  return 'the token is not valid';
}
