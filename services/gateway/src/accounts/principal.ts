import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export type Role = 'user' | 'operator';
export const ROLES: readonly Role[] = ['user', 'operator'];

/** Who is calling, as the access token says. */
export interface Principal {
  id: string;
  role: Role;
  emailConfirmed: boolean;
}

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The owner filter of reads: operators see everything, users their own rows. */
export function ownerScope(principal: Principal): string | undefined {
  return principal.role === 'operator' ? undefined : principal.id;
}

/** The signed-in caller of a route that is not public (the auth hook has set it before the handler runs). */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('route without an authenticated principal; is it marked public?');
  return principal;
});
