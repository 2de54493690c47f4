import { type GenerationProducedV1, QUEUES } from '@genlake/contracts';
import { type ConsumerDefinition, catalogConsumer } from '@genlake/kit';
import type { CorrectorConfig } from '../config';
import { CORRECTOR_CONSUMER, type CorrectGeneration } from './correct-generation.use-case';

/** The corrector's only consumer: a `generation.produced` message becomes one CorrectGeneration call. */
export function generationProducedConsumer(
  useCase: CorrectGeneration,
  config: CorrectorConfig,
): ConsumerDefinition<GenerationProducedV1> {
  return catalogConsumer(QUEUES.correctorGenerationProduced, {
    name: CORRECTOR_CONSUMER,
    concurrency: config.CORRECTOR_CONCURRENCY,
    prefetch: config.CORRECTOR_PREFETCH,
    handle: async (message, ctx) => {
      await useCase.execute(message, ctx.messageId);
    },
  });
}
