import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { CurrentUser, type Principal } from '../accounts/principal';
import type { RouteAccess } from '../accounts/route-access';
import { ApiError } from '../api-error';
import { type DeadLetterListQuery, DeadLetterService } from './dead-letter.service';

const OPERATORS: RouteAccess = { roles: ['operator'] };

@Controller('api/dead-letters')
export class DeadLetterController {
  constructor(@Inject(DeadLetterService) private readonly deadLetters: DeadLetterService) {}

  @Get()
  @RouteConfig(OPERATORS)
  list(@Query() query: DeadLetterListQuery) {
    return this.deadLetters.list(query);
  }

  @Get(':id')
  @RouteConfig(OPERATORS)
  get(@Param('id') id: string) {
    return this.deadLetters.get(id);
  }

  @Post(':id/replay')
  @RouteConfig(OPERATORS)
  @HttpCode(202)
  replay(@CurrentUser() operator: Principal, @Param('id') id: string, @Query() query: Record<string, string>) {
    const unknown = Object.keys(query).filter((k) => k !== 'force');
    if (unknown.length) throw ApiError.badRequest(`unknown query parameter(s): ${unknown.join(', ')}`);
    if (query.force !== undefined && !['true', 'false'].includes(query.force))
      throw ApiError.badRequest('force must be true or false');
    return this.deadLetters.replay(id, operator.id, query.force === 'true');
  }
}
