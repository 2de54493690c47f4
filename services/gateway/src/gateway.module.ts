import { join } from 'node:path';
import { LocalObjectCache, type ServiceRuntime } from '@genlake/kit';
import type { LakeEngine } from '@genlake/lake';
import { type DynamicModule, Module } from '@nestjs/common';
import { AcceptedBatchWriter } from './batches/accepted-batch.writer';
import { BatchController } from './batches/batch.controller';
import { BatchQuery } from './batches/batch.query';
import { BatchRepository } from './batches/batch.repository';
import { BatchService } from './batches/batch.service';
import type { GatewayConfig } from './config';
import { BatchEvents } from './events/batch-events.service';
import { GenerationController } from './generations/generation.controller';
import { GenerationRepository } from './generations/generation.repository';
import { LakeReader } from './generations/lake.reader';
import { ResultService } from './generations/result.service';
import { TableQueryService } from './generations/table.query';
import { OpenApiController } from './openapi.controller';
import { BATCH_REPOSITORY, GATEWAY_CONFIG } from './tokens';

@Module({})
export class GatewayModule {
  /** Wires the plain classes by hand: every dependency is visible here, nothing relies on reflection. */
  static create(
    runtime: ServiceRuntime<GatewayConfig>,
    engine: LakeEngine,
    events: BatchEvents,
    workDir: string,
  ): DynamicModule {
    const config = runtime.config;
    const batches = new BatchRepository(runtime.sql);
    const writer = new AcceptedBatchWriter(runtime.sql, batches);
    const generations = new GenerationRepository(runtime.sql);
    const lake = new LakeReader(
      engine,
      new LocalObjectCache(
        runtime.storage,
        join(workDir, `lake-cache-${runtime.service}`),
        config.LAKE_CACHE_MAX_BYTES,
      ),
    );
    return {
      module: GatewayModule,
      controllers: [BatchController, GenerationController, OpenApiController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: BATCH_REPOSITORY, useValue: batches },
        { provide: BatchService, useValue: new BatchService(batches, writer, runtime.storage, config, workDir) },
        { provide: BatchQuery, useValue: new BatchQuery(batches) },
        { provide: BatchEvents, useValue: events },
        { provide: ResultService, useValue: new ResultService(generations, lake, config.RESULT_MAX_ROWS) },
        { provide: TableQueryService, useValue: new TableQueryService(generations, lake, config.PAGE_MAX_ROWS) },
      ],
    };
  }
}
