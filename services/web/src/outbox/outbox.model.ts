import type { MeasurementRecord } from '../records/record.validation';

/** waiting: due or backing off; sending/uploading: in flight; sent: the gateway has it; rejected: a 4xx. */
export type OutboxState = 'waiting' | 'sending' | 'uploading' | 'sent' | 'rejected';

type OutboxBase = {
  id: string;
  /** Created with the item and sent on every attempt, so a retry never makes a second batch. */
  idempotencyKey: string;
  dataset: string;
  complexity: number;
  /** The account that submitted it: it is sent only with that account's session, never with the next user's. */
  owner?: string;
  state: OutboxState;
  createdAt: number;
  attempts: number;
  /** Epoch ms before which the sender does not try again. */
  nextAttemptAt: number;
  /** True when nextAttemptAt came from the gateway's Retry-After: a probe or `online` does not cut it short. */
  toldToWait: boolean;
  batchId?: string;
  /** The gateway's reason for a 4xx, and its details (e.g. `line 7: value must be a number`). */
  error?: { message: string; details: string[] };
};

export type RecordsItem = OutboxBase & { kind: 'records'; records: MeasurementRecord[] };

export type FileItem = OutboxBase & {
  kind: 'file';
  file: Blob;
  fileName: string;
  fileType: string;
  /** The tus upload's URL once created: the upload resumes there (after a reload too). */
  uploadUrl?: string;
  bytesSent: number;
  bytesTotal: number;
  /** Set when every byte is at the server; then only the from-upload submission remains. */
  uploaded: boolean;
};

export type OutboxItem = RecordsItem | FileItem;

export function newId(): string {
  return crypto.randomUUID();
}

export function pending(item: OutboxItem): boolean {
  return item.state !== 'sent' && item.state !== 'rejected';
}
