import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AccountService } from '../accounts/account.service';
import { CurrentUser, type Principal } from '../accounts/principal';
import { ApiError } from '../api-error';
import { parseBody } from '../request-body';
import { UploadBatchService } from './upload-batch.service';

const FromUploadBody = z.strictObject({
  upload: z.string().max(200),
  dataset: z.string().max(200),
  options: z.strictObject({ complexity: z.number().optional() }).optional(),
});

@Controller('api/batches')
export class UploadController {
  constructor(
    @Inject(UploadBatchService) private readonly submitter: UploadBatchService,
    @Inject(AccountService) private readonly accounts: AccountService,
  ) {}

  /** Submits a finished resumable upload (`/api/uploads`) as a batch; answers like `POST /api/batches`. */
  @Post('from-upload')
  @HttpCode(202)
  async submit(
    @CurrentUser() user: Principal,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    const input = parseBody(FromUploadBody, body);
    if (!(await this.accounts.isConfirmed(user))) {
      throw new ApiError(403, 'confirm your email address before submitting batches (POST /api/auth/confirmation)');
    }
    const outcome = await this.submitter.submit({
      ownerId: user.id,
      upload: input.upload,
      dataset: input.dataset,
      complexity: input.options?.complexity,
      idempotencyKey,
    });
    void reply.header('location', `/api/batches/${outcome.batch.id}`);
    if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
    return outcome.batch;
  }
}
