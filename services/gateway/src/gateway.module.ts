import { join } from 'node:path';
import { LocalObjectCache, OutboxRepository, type ServiceRuntime } from '@genlake/kit';
import type { LakeEngine } from '@genlake/lake';
import { type DynamicModule, Module } from '@nestjs/common';
import { AccessTokenIssuer } from './accounts/access-token.issuer';
import { AccountRepository } from './accounts/account.repository';
import { AccountService } from './accounts/account.service';
import { AuthController } from './accounts/auth.controller';
import { HashGate } from './accounts/hash.gate';
import { LoginThrottle } from './accounts/login.throttle';
import { PasswordHasher } from './accounts/password.hasher';
import { AcceptedBatchWriter } from './batches/accepted-batch.writer';
import { BatchController } from './batches/batch.controller';
import { BatchQuery } from './batches/batch.query';
import { BatchRepository } from './batches/batch.repository';
import { BatchService } from './batches/batch.service';
import type { GatewayConfig } from './config';
import { DeadLetterController } from './dead-letters/dead-letter.controller';
import { DeadLetterRepository } from './dead-letters/dead-letter.repository';
import { DeadLetterService } from './dead-letters/dead-letter.service';
import { BatchEvents } from './events/batch-events.service';
import { GenerationController } from './generations/generation.controller';
import { GenerationRepository } from './generations/generation.repository';
import { LakeReader } from './generations/lake.reader';
import { ResultService } from './generations/result.service';
import { TableQueryService } from './generations/table.query';
import { OpenApiController } from './openapi.controller';
import { BATCH_REPOSITORY, GATEWAY_CONFIG } from './tokens';
import { UploadController } from './uploads/upload.controller';
import type { UploadStore } from './uploads/upload.store';
import { UploadBatchService } from './uploads/upload-batch.service';

/** Every controller of the gateway (the OpenAPI test reads the same list). */
export const GATEWAY_CONTROLLERS = [
  AuthController,
  BatchController,
  UploadController,
  GenerationController,
  DeadLetterController,
  OpenApiController,
] as const;

@Module({})
export class GatewayModule {
  /** Wires the plain classes by hand: every dependency is visible here, nothing relies on reflection. */
  static create(
    runtime: ServiceRuntime<GatewayConfig>,
    engine: LakeEngine,
    events: BatchEvents,
    workDir: string,
    tokens: AccessTokenIssuer,
    uploads: UploadStore,
  ): DynamicModule {
    const config = runtime.config;
    const outbox = new OutboxRepository(runtime.sql);
    const accounts = new AccountService(
      new AccountRepository(runtime.sql),
      outbox,
      new PasswordHasher(
        new HashGate({ concurrency: config.AUTH_HASH_CONCURRENCY, maxWaitMs: config.AUTH_HASH_MAX_WAIT_MS }),
      ),
      tokens,
      new LoginThrottle({
        failuresPerAccount: config.AUTH_LOGIN_FAILURES_PER_ACCOUNT,
        failuresPerAddress: config.AUTH_LOGIN_FAILURES_PER_ADDRESS,
      }),
      {
        publicBaseUrl: config.PUBLIC_BASE_URL,
        refreshTtlDays: config.AUTH_REFRESH_TTL_DAYS,
        confirmationTtlHours: config.AUTH_CONFIRMATION_TTL_HOURS,
      },
    );
    const batches = new BatchRepository(runtime.sql);
    const writer = new AcceptedBatchWriter(runtime.sql, batches);
    const submitter = new BatchService(batches, writer, runtime.storage, config, workDir);
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
      controllers: [...GATEWAY_CONTROLLERS],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: AccountService, useValue: accounts },
        {
          provide: DeadLetterService,
          useValue: new DeadLetterService(new DeadLetterRepository(runtime.sql, outbox)),
        },
        { provide: BATCH_REPOSITORY, useValue: batches },
        { provide: BatchService, useValue: submitter },
        { provide: UploadBatchService, useValue: new UploadBatchService(uploads, submitter) },
        { provide: BatchQuery, useValue: new BatchQuery(batches) },
        { provide: BatchEvents, useValue: events },
        { provide: ResultService, useValue: new ResultService(generations, lake, config.RESULT_MAX_ROWS) },
        {
          provide: TableQueryService,
          useValue: new TableQueryService(generations, lake, config.PAGE_MAX_ROWS, config.RESULT_MAX_ROWS),
        },
      ],
    };
  }
}
