import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiError } from '../api-error';
import { presentGeneration } from '../batches/batch.presenter';
import type { BatchRepository } from '../batches/batch.repository';
import { checkDataset } from '../batches/batch.service';
import { BATCH_REPOSITORY, GATEWAY_CONFIG, type GatewayConfigRef } from '../tokens';
import { TableQueryService } from './table.query';

@Controller('api')
export class GenerationController {
  constructor(
    @Inject(BATCH_REPOSITORY) private readonly batches: BatchRepository,
    @Inject(TableQueryService) private readonly tables: TableQueryService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfigRef,
  ) {}

  @Get('datasets/:dataset/generations')
  async generations(@Param('dataset') name: string) {
    checkDataset(name);
    const dataset = await this.batches.findDataset(name);
    if (!dataset || dataset.owner_id !== this.config.DEFAULT_OWNER_ID) throw ApiError.notFound(`no dataset ${name}`);
    const generations = await this.batches.generationsOfDataset(dataset.id);
    return { dataset: dataset.name, generations: generations.map(presentGeneration) };
  }

  @Get('generations/:id/tables/:table')
  page(@Param('id') id: string, @Param('table') table: string, @Query() query: Record<string, string>) {
    return this.tables.page(id, table, query, this.config.DEFAULT_OWNER_ID);
  }
}
