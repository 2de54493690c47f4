export * from './catalog';
export { type CliOptions, type CliResult, run as runCli } from './cli.command';
export type {
  BatchAcceptedDataV1,
  BatchAcceptedV1,
  BatchOptionsV1,
  BatchPayloadV1,
  InlinePayloadV1,
  ObjectPayloadV1,
} from './generated/batch.accepted.v1';
export type { BatchCompletedDataV1, BatchCompletedV1 } from './generated/batch.completed.v1';
export type { BatchRequestOptionsV1, BatchRequestV1 } from './generated/batch-request.v1';
export type { GenerationProducedDataV1, GenerationProducedV1, TableStatsV1 } from './generated/generation.produced.v1';
export type { MeasurementRecordV1, MeasurementTagsV1 } from './generated/record.v1';
export type {
  UserConfirmationRequestedDataV1,
  UserConfirmationRequestedV1,
} from './generated/user.confirmation-requested.v1';
export type { UserRegisteredDataV1, UserRegisteredV1 } from './generated/user.registered.v1';
export type {
  UserRegistrationAttemptedDataV1,
  UserRegistrationAttemptedV1,
} from './generated/user.registration-attempted.v1';
export * from './lifecycle';
export * from './topology';
export {
  type AnyMessage,
  type BuildMessageOptions,
  buildMessage,
  compiledValidator,
  formatErrors,
  getAjv,
  getSchema,
  hasSchema,
  MAX_REPORTED_ERRORS,
  type MessageData,
  type MessageOf,
  type MessageTypes,
  type MessageValidationResult,
  parseSchemaName,
  SCHEMAS_DIR,
  type SchemaName,
  type SchemaTypes,
  schemaNames,
  type ValidationFailure,
  type ValidationResult,
  validateAs,
  validateMessage,
} from './validator';
