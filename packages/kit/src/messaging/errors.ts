/** The message can never succeed (bad content, impossible state): dead-letter it now, with the reason. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * The message cannot be handled yet (for example it waits for an earlier generation): bring it back
 * after a delay without spending one of its failure attempts.
 */
export class DeferError extends Error {
  override name = 'DeferError';
  constructor(
    message: string,
    readonly delayMs = 5_000,
  ) {
    super(message);
  }
}

/**
 * Give the message back to its queue unchanged (a nack with requeue), so the next consumer gets it in its place:
 * for a consumer that stops while it holds a message whose order matters. No attempt is spent.
 */
export class RequeueError extends Error {
  override name = 'RequeueError';
}
