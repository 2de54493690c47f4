import { STATUS_CODES } from 'node:http';
import { answerUnexpected, type Logger, type Metrics } from '@genlake/kit';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { type AccessTokenIssuer, InvalidTokenError } from './access-token.issuer';
import type { AuthenticatedRequest } from './principal';
import type { RouteAccess } from './route-access';

export interface RequestLimits {
  /** Requests per minute. */
  perAddress: number;
  perUser: number;
  authPerAddress: number;
}

/**
 * Runs first on every /api request (a Fastify onRequest hook, before the body is read): per-address rate
 * limit, then the access token (401 with the reason), then the per-user rate limit and the route's roles
 * (403). Rate limits answer 429 with Retry-After. Counters are per gateway process (see docs/security.md).
 */
export class RequestGuard {
  private readonly perAddress: RateLimiterMemory;
  private readonly perUser: RateLimiterMemory;
  private readonly authPerAddress: RateLimiterMemory;

  constructor(
    private readonly tokens: AccessTokenIssuer,
    limits: RequestLimits,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.perAddress = new RateLimiterMemory({ keyPrefix: 'address', points: limits.perAddress, duration: 60 });
    this.perUser = new RateLimiterMemory({ keyPrefix: 'user', points: limits.perUser, duration: 60 });
    this.authPerAddress = new RateLimiterMemory({ keyPrefix: 'auth', points: limits.authPerAddress, duration: 60 });
  }

  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      try {
        await this.check(request as AuthenticatedRequest, reply);
      } catch (err) {
        const answer = answerUnexpected(err, this.logger, this.metrics);
        return reply.code(answer.status).headers(answer.headers).send(answer.body);
      }
    });
  }

  private async check(request: AuthenticatedRequest, reply: FastifyReply): Promise<unknown> {
    const path = request.url.split('?', 1)[0];
    if (path !== '/api' && !path.startsWith('/api/')) return;
    if (!(await this.take(this.perAddress, request.ip, reply))) return reply;
    // An unknown route under /api is answered by the 404 handler; nothing to authenticate.
    if (!request.routeOptions.url) return;
    const access = (request.routeOptions.config ?? {}) as RouteAccess;
    if (access.public) {
      if (access.authLimited && !(await this.take(this.authPerAddress, request.ip, reply))) return reply;
      return;
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim()) : null;
    if (!match) {
      return deny(reply, 401, 'sign in first: send the header "Authorization: Bearer <access token>"', {
        'www-authenticate': 'Bearer realm="genlake"',
      });
    }
    try {
      request.principal = await this.tokens.verify(match[1]);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      return deny(reply, 401, err.message, {
        'www-authenticate': `Bearer realm="genlake", error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`,
      });
    }
    if (!(await this.take(this.perUser, request.principal.id, reply))) return reply;
    if (access.roles && !access.roles.includes(request.principal.role)) {
      return deny(reply, 403, `this needs the role ${access.roles.join(' or ')}`);
    }
  }

  /** Spends one request of the key's budget; answers 429 and returns false when it is spent. */
  private async take(limiter: RateLimiterMemory, key: string, reply: FastifyReply): Promise<boolean> {
    try {
      await limiter.consume(key);
      return true;
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      deny(reply, 429, `too many requests; retry in ${seconds} s`, { 'retry-after': String(seconds) });
      return false;
    }
  }
}

function deny(reply: FastifyReply, status: number, message: string, headers: Record<string, string> = {}) {
  return reply
    .code(status)
    .headers(headers)
    .send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
}
