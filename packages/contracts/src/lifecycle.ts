/**
 * The batch lifecycle, defined once: the gateway accepts a batch, the processor moves it to `processing` and then
 * to `correcting` (with the processed generation), the corrector moves it to `completed`. A batch only moves
 * forward: each move is allowed from every earlier status, so a repeated or late delivery never moves a batch back. `migrations/sql/0001_pipeline.sql` (the CHECK on `batches.status`) and the
 * gateway's OpenAPI `BatchStatus` list the same values; a repository test keeps them equal.
 *
 * Browser-safe (no Node imports): `@genlake/contracts/lifecycle` loads it without the validator.
 */

/** Every status, in lifecycle order. */
export const BATCH_STATUSES = ['accepted', 'processing', 'correcting', 'completed'] as const;

export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** Each status by name, for code that writes or compares one: `BATCH_STATUS.correcting`. */
export const BATCH_STATUS = Object.freeze(Object.fromEntries(BATCH_STATUSES.map((s) => [s, s]))) as {
  readonly [S in BatchStatus]: S;
};

export function isBatchStatus(value: unknown): value is BatchStatus {
  return typeof value === 'string' && (BATCH_STATUSES as readonly string[]).includes(value);
}

/** The statuses a batch may move to `status` from: every earlier one (the lifecycle only moves forward). */
export function statusesBefore(status: BatchStatus): BatchStatus[] {
  return BATCH_STATUSES.slice(0, BATCH_STATUSES.indexOf(status));
}

/** Whether a batch may move from `from` to `to`. */
export function canMoveTo(from: BatchStatus, to: BatchStatus): boolean {
  return statusesBefore(to).includes(from);
}

/** Whether a batch in `status` has reached `stage` (is in it or past it). */
export function hasReached(status: BatchStatus, stage: BatchStatus): boolean {
  return BATCH_STATUSES.indexOf(status) >= BATCH_STATUSES.indexOf(stage);
}
