import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { ServiceRuntime } from '../runtime';
import { HealthController } from './health.controller';
import { RUNTIME } from './tokens';

@Global()
@Module({})
export class KitModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    return {
      module: KitModule,
      controllers: [HealthController],
      providers: [{ provide: RUNTIME, useValue: runtime }],
      exports: [RUNTIME],
    };
  }
}
