import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentUser, ownerScope, type Principal } from '../accounts/principal';
import { ApiError } from '../api-error';
import { presentGeneration } from '../batches/batch.presenter';
import type { BatchRepository } from '../batches/batch.repository';
import { checkDataset } from '../batches/batch.service';
import { BATCH_REPOSITORY } from '../tokens';
import { TableQueryService } from './table.query';

@Controller('api')
export class GenerationController {
  constructor(
    @Inject(BATCH_REPOSITORY) private readonly batches: BatchRepository,
    @Inject(TableQueryService) private readonly tables: TableQueryService,
  ) {}

  @Get('datasets/:dataset/generations')
  async generations(@CurrentUser() user: Principal, @Param('dataset') name: string) {
    checkDataset(name);
    const dataset = await this.batches.findDataset(name);
    const owner = ownerScope(user);
    if (!dataset || (owner !== undefined && dataset.owner_id !== owner)) throw ApiError.notFound(`no dataset ${name}`);
    const generations = await this.batches.generationsOfDataset(dataset.id);
    return { dataset: dataset.name, generations: generations.map(presentGeneration) };
  }

  @Get('generations/:id/tables/:table')
  page(
    @CurrentUser() user: Principal,
    @Param('id') id: string,
    @Param('table') table: string,
    @Query() query: Record<string, string>,
  ) {
    return this.tables.page(id, table, query, ownerScope(user));
  }

  /** The rows a table page selects (same filters, search and order), all of them, as one CSV file. */
  @Get('generations/:id/tables/:table/csv')
  async csv(
    @CurrentUser() user: Principal,
    @Param('id') id: string,
    @Param('table') table: string,
    @Query() query: Record<string, string>,
    @Res() reply: FastifyReply,
  ) {
    const { filename, body } = await this.tables.csv(id, table, query, ownerScope(user));
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(body);
  }
}
