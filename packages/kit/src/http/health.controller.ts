import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { ServiceRuntime } from '../runtime';
import { RUNTIME } from './tokens';

/** Liveness, readiness and Prometheus metrics, the same on every service. */
@Controller()
export class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  @Get('health/live')
  live() {
    return { status: 'ok', service: this.runtime.service };
  }

  @Get('health/ready')
  async ready(@Res() reply: FastifyReply) {
    const result = await this.runtime.readiness();
    await reply
      .status(result.ready ? 200 : 503)
      .send({ status: result.ready ? 'ready' : 'not ready', service: this.runtime.service, checks: result.checks });
  }

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply) {
    const registry = this.runtime.metrics.registry;
    await reply.header('content-type', registry.contentType).send(await registry.metrics());
  }
}
