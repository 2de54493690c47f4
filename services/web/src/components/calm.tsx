import type { ReadFailure } from '../api';
import { strings } from '../strings';

/** What a page says when a read did not work: the reason of a 4xx, or a calm note during an outage. */
export function ReadProblem({ failure }: { failure?: ReadFailure }) {
  if (!failure) return null;
  if (failure.kind === 'outage') return <p class="calm">{strings.common.waitingForGateway}</p>;
  return <p class="note">{failure.status === 404 ? strings.common.notFound : failure.message}</p>;
}
