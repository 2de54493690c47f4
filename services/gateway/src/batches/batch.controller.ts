import { BATCH_STATUS } from '@genlake/contracts';
import { Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountService } from '../accounts/account.service';
import { CurrentUser, ownerScope, type Principal } from '../accounts/principal';
import { ApiError } from '../api-error';
import { BatchEvents } from '../events/batch-events.service';
import { ResultService } from '../generations/result.service';
import { BatchQuery, type ListQuery } from './batch.query';
import { BatchService } from './batch.service';

function formatOf(contentType: string | undefined): 'json' | 'csv' | 'ndjson' {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/ndjson') return 'ndjson';
  if (type === 'application/json') return 'json';
  throw new ApiError(415, 'send application/json, text/csv or application/x-ndjson');
}

@Controller('api/batches')
export class BatchController {
  constructor(
    @Inject(BatchService) private readonly submitter: BatchService,
    @Inject(BatchQuery) private readonly query: BatchQuery,
    @Inject(BatchEvents) private readonly events: BatchEvents,
    @Inject(ResultService) private readonly results: ResultService,
    @Inject(AccountService) private readonly accounts: AccountService,
  ) {}

  @Post()
  @HttpCode(202)
  async submit(
    @CurrentUser() user: Principal,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: Record<string, string>,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    if (!(await this.accounts.isConfirmed(user))) {
      throw new ApiError(
        403,
        'confirm your email address before submitting batches: open the link we emailed you (POST /api/auth/confirmation sends a new one)',
      );
    }
    const format = formatOf(req.headers['content-type']);
    const allowed = format === 'json' ? [] : ['dataset', 'complexity'];
    const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
    if (unknown.length) throw ApiError.badRequest(`unknown query parameter(s): ${unknown.join(', ')}`);
    const outcome = await this.submitter.submit({
      ownerId: user.id,
      format,
      body: req.body,
      dataset: query.dataset,
      complexity: query.complexity,
      idempotencyKey,
    });
    void reply.header('location', `/api/batches/${outcome.batch.id}`);
    if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
    return outcome.batch;
  }

  @Get()
  list(@CurrentUser() user: Principal, @Query() query: ListQuery) {
    return this.query.list(query, ownerScope(user));
  }

  @Get(':id')
  get(@CurrentUser() user: Principal, @Param('id') id: string) {
    return this.query.get(id, ownerScope(user));
  }

  /** Server-sent events: the batch as it is now, then again at every status change, until completed. */
  @Get(':id/events')
  async stream(
    @CurrentUser() user: Principal,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const owner = ownerScope(user);
    let current = await this.query.get(id, owner);
    if (req.method === 'HEAD') {
      // The stream would never end (and a HEAD answer has no body): headers only.
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send();
    }
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.flushHeaders();
    let closed = false;
    let lastStatus = '';
    const send = (batch: typeof current) => {
      if (closed || batch.status === lastStatus) return;
      lastStatus = batch.status;
      raw.write(`event: status\nid: ${batch.status}\ndata: ${JSON.stringify(batch)}\n\n`);
      if (batch.status === BATCH_STATUS.completed) finish();
    };
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    const finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      raw.end();
    };
    const unsubscribe = this.events.subscribe(current.id, () => {
      void this.query
        .get(current.id, owner)
        .then(send)
        .catch(() => finish());
    });
    req.raw.on('close', finish);
    // Re-read after subscribing so a change between the first read and the subscription is not missed.
    send(current);
    if (!closed) {
      current = await this.query.get(id, owner);
      send(current);
    }
  }

  @Get(':id/result')
  async result(
    @CurrentUser() user: Principal,
    @Param('id') id: string,
    @Query('format') format: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const batch = await this.query.get(id, ownerScope(user));
    const wanted =
      format ??
      (accept?.includes('application/vnd.apache.arrow.stream')
        ? 'arrow'
        : accept?.includes('text/csv')
          ? 'csv'
          : 'json');
    if (!['json', 'csv', 'arrow'].includes(wanted)) throw ApiError.badRequest('format must be json, csv or arrow');
    if (batch.status !== BATCH_STATUS.completed) {
      throw new ApiError(409, `batch ${batch.id} is ${batch.status}; its result exists once it is completed`);
    }
    const corrected = batch.generations.find((g) => g.stage === 'corrected');
    if (!corrected) throw new ApiError(409, `batch ${batch.id} has no corrected generation`);
    await this.results.send(reply, corrected.id, wanted as 'json' | 'csv' | 'arrow', batch.id);
  }
}
