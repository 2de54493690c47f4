/**
 * Validation of messages and other payloads against the JSON Schemas in `schemas/`, with one shared Ajv (draft
 * 2020-12) instance. Any other JSON Schema 2020-12 validator on the same files gives the same answers.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { CATALOG, isMessageType, MESSAGE_TYPES, type MessageType } from './catalog';
import type { BatchAcceptedV1 } from './generated/batch.accepted.v1';
import type { BatchCompletedV1 } from './generated/batch.completed.v1';
import type { BatchRequestV1 } from './generated/batch-request.v1';
import type { GenerationProducedV1 } from './generated/generation.produced.v1';
import type { MeasurementRecordV1 } from './generated/record.v1';
import type { UserConfirmationRequestedV1 } from './generated/user.confirmation-requested.v1';
import type { UserRegisteredV1 } from './generated/user.registered.v1';
import type { UserRegistrationAttemptedV1 } from './generated/user.registration-attempted.v1';

/** `schemas/` at the package root: `join(__dirname, '..')` is the package root from `src/` and from `dist/`. */
export const SCHEMAS_DIR = join(__dirname, '..', 'schemas');
const SCHEMA_SUFFIX = '.schema.json';
/** At most this many errors are reported per validation; the last line says how many more there were. */
export const MAX_REPORTED_ERRORS = 100;

/** The current version of every message type. */
export interface MessageTypes {
  'batch.accepted': BatchAcceptedV1;
  'generation.produced': GenerationProducedV1;
  'batch.completed': BatchCompletedV1;
  'user.registered': UserRegisteredV1;
  'user.confirmation-requested': UserConfirmationRequestedV1;
  'user.registration-attempted': UserRegistrationAttemptedV1;
}
export type MessageOf<T extends MessageType> = MessageTypes[T];
export type MessageData<T extends MessageType> = MessageOf<T>['data'];
export type AnyMessage = MessageOf<MessageType>;

/** Every schema in `schemas/` by name (`<file name without .schema.json>`) and the type of a valid value. */
export interface SchemaTypes {
  'batch.accepted.v1': BatchAcceptedV1;
  'generation.produced.v1': GenerationProducedV1;
  'batch.completed.v1': BatchCompletedV1;
  'user.registered.v1': UserRegisteredV1;
  'user.confirmation-requested.v1': UserConfirmationRequestedV1;
  'user.registration-attempted.v1': UserRegistrationAttemptedV1;
  'record.v1': MeasurementRecordV1;
  'batch-request.v1': BatchRequestV1;
}
export type SchemaName = keyof SchemaTypes;

// Compile-time check: the type map and the catalog list the same message types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesMatchCatalog: Same<keyof MessageTypes, MessageType> = true;
void typesMatchCatalog;

export type ValidationFailure = { ok: false; errors: string[] };
export type ValidationResult<T, K extends string = string> =
  | { ok: true; type: K; version: number; message: T }
  | ValidationFailure;
/** Result of validateMessage: on success, `type` narrows `message`. */
export type MessageValidationResult =
  | { [T in MessageType]: { ok: true; type: T; version: number; message: MessageOf<T> } }[MessageType]
  | ValidationFailure;

interface Registry {
  ajv: Ajv2020;
  /** schema name -> schema JSON */
  schemas: Map<string, AnySchemaObject>;
  validators: Map<string, ValidateFunction>;
}

let registry: Registry | undefined;

function load(): Registry {
  if (registry) return registry;
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
  addFormats(ajv);
  const schemas = new Map<string, AnySchemaObject>();
  for (const file of readdirSync(SCHEMAS_DIR).sort()) {
    if (!file.endsWith(SCHEMA_SUFFIX)) continue;
    const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')) as AnySchemaObject;
    if (typeof schema.$id !== 'string') throw new Error(`schemas/${file} has no $id`);
    ajv.addSchema(schema);
    schemas.set(file.slice(0, -SCHEMA_SUFFIX.length), schema);
  }
  registry = { ajv, schemas, validators: new Map() };
  return registry;
}

/** The shared Ajv instance with every schema of `schemas/` added (by `$id`). */
export function getAjv(): Ajv2020 {
  return load().ajv;
}

/** Names of every schema, e.g. `['batch-request.v1', 'batch.accepted.v1', ...]`. */
export function schemaNames(): string[] {
  return [...load().schemas.keys()];
}

export function hasSchema(schemaName: string): boolean {
  return load().schemas.has(schemaName);
}

/** The JSON Schema document of a schema name (do not mutate it). */
export function getSchema(schemaName: string): AnySchemaObject {
  const schema = load().schemas.get(schemaName);
  if (!schema) throw new Error(unknownSchema(schemaName));
  return schema;
}

/**
 * The raw, compiled Ajv validate function of a schema (compiled once, then cached): the fast path for validating
 * many values, e.g. every record of a large upload. Throws on an unknown schema name.
 */
export function compiledValidator<N extends SchemaName>(schemaName: N): ValidateFunction<SchemaTypes[N]>;
export function compiledValidator(schemaName: string): ValidateFunction;
export function compiledValidator(schemaName: string): ValidateFunction {
  const { ajv, schemas, validators } = load();
  let validate = validators.get(schemaName);
  if (!validate) {
    const schema = schemas.get(schemaName);
    if (!schema) throw new Error(unknownSchema(schemaName));
    validate = ajv.getSchema(schema.$id as string);
    if (!validate) throw new Error(`schema ${schemaName} could not be compiled`);
    validators.set(schemaName, validate);
  }
  return validate;
}

/** Validates `payload` against a schema by name (`record.v1`, `batch.accepted.v1`, ...). */
export function validateAs<N extends SchemaName>(schemaName: N, payload: unknown): ValidationResult<SchemaTypes[N]>;
export function validateAs(schemaName: string, payload: unknown): ValidationResult<unknown>;
export function validateAs(schemaName: string, payload: unknown): ValidationResult<unknown> {
  if (!hasSchema(schemaName)) return { ok: false, errors: [unknownSchema(schemaName)] };
  const validate = compiledValidator(schemaName);
  const { type, version } = parseSchemaName(schemaName);
  if (validate(payload)) return { ok: true, type, version, message: payload };
  return { ok: false, errors: formatErrors(validate.errors ?? [], getSchema(schemaName), payload) };
}

/** Validates a message envelope, choosing the schema from its `type` and `version`. */
export function validateMessage(payload: unknown): MessageValidationResult {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return { ok: false, errors: ['/: must be object (a message envelope)'] };
  }
  const { type, version } = payload as { type?: unknown; version?: unknown };
  if (type === undefined) return { ok: false, errors: ["/: must have required property 'type'"] };
  if (typeof type !== 'string') return { ok: false, errors: ['/type: must be string'] };
  if (!isMessageType(type)) {
    return { ok: false, errors: [`/type: unknown message type "${type}" (known: ${MESSAGE_TYPES.join(', ')})`] };
  }
  if (version === undefined) return { ok: false, errors: ["/: must have required property 'version'"] };
  if (typeof version !== 'number' || !Number.isInteger(version))
    return { ok: false, errors: ['/version: must be integer'] };
  const schemaName = `${type}.v${version}`;
  if (!hasSchema(schemaName)) {
    const known = schemaNames()
      .filter((name) => parseSchemaName(name).type === type)
      .map((name) => parseSchemaName(name).version);
    return {
      ok: false,
      errors: [`/version: unknown version ${version} of message type "${type}" (known: ${known.join(', ')})`],
    };
  }
  const result = validateAs(schemaName, payload);
  return result as MessageValidationResult;
}

export interface BuildMessageOptions {
  correlationId: string;
  /** Message id; a random UUID by default. */
  id?: string;
  /** Default: now. */
  occurredAt?: Date | string;
}

/** Builds the envelope of the current version of a message type (it does not validate; see validateMessage). */
export function buildMessage<T extends MessageType>(
  type: T,
  data: MessageData<T>,
  options: BuildMessageOptions,
): MessageOf<T> {
  const occurredAt = options.occurredAt ?? new Date();
  return {
    id: options.id ?? randomUUID(),
    type,
    version: CATALOG[type].version,
    occurredAt: occurredAt instanceof Date ? occurredAt.toISOString() : occurredAt,
    correlationId: options.correlationId,
    data,
  } as unknown as MessageOf<T>;
}

/** `batch.accepted.v1` -> `{ type: 'batch.accepted', version: 1 }` */
export function parseSchemaName(schemaName: string): { type: string; version: number } {
  const match = /^(.+)\.v(\d+)$/.exec(schemaName);
  if (!match) throw new Error(`schema name must look like <name>.v<N>, got "${schemaName}"`);
  return { type: match[1], version: Number(match[2]) };
}

function unknownSchema(schemaName: string): string {
  return `unknown schema "${schemaName}" (known: ${schemaNames().join(', ')})`;
}

/** Resolves a JSON pointer (`/a/0/b` or `#/a/0/b`) in a JSON value. */
function at(root: unknown, pointer: string): unknown {
  const parts = pointer.replace(/^#/, '').split('/').slice(1);
  let node = root;
  for (const raw of parts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/**
 * Keeps only the errors of the `oneOf` branch the data meant to be, when the branches are told apart by a `const`
 * property (a discriminator such as `kind`): otherwise every branch reports its own errors.
 */
function narrowOneOf(errors: ErrorObject[], schema: AnySchemaObject, data: unknown): ErrorObject[] {
  let result = errors;
  for (const failure of errors) {
    if (failure.keyword !== 'oneOf' || !failure.schemaPath.startsWith('#/')) continue;
    const branches = at(schema, failure.schemaPath);
    const value = at(data, failure.instancePath);
    if (!Array.isArray(branches) || value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const discriminator = Object.keys((branches[0]?.properties as object) ?? {}).find((key) =>
      branches.every((branch) => branch?.properties?.[key]?.const !== undefined),
    );
    if (!discriminator) continue;
    const prefix = `${failure.schemaPath}/`;
    const actual = (value as Record<string, unknown>)[discriminator];
    const index = branches.findIndex((branch) => branch.properties[discriminator].const === actual);
    const others = result.filter((e) => e !== failure && !e.schemaPath.startsWith(prefix));
    if (index >= 0) {
      result = [...others, ...result.filter((e) => e.schemaPath.startsWith(`${prefix}${index}/`))];
    } else {
      const allowed = branches.map((branch) => JSON.stringify(branch.properties[discriminator].const)).join(', ');
      const message =
        actual === undefined
          ? `must have required property '${discriminator}'`
          : `must be one of ${allowed} (in property '${discriminator}')`;
      result = [...others, { ...failure, message, keyword: 'oneOf' }];
    }
  }
  return result;
}

function formatError(error: ErrorObject): string {
  const path = error.instancePath || '/';
  let message = error.message ?? 'is invalid';
  const params = error.params as Record<string, unknown>;
  const format = error.parentSchema?.format;
  if (error.keyword === 'pattern' && typeof format === 'string') {
    // The schemas pair a format with an equivalent pattern (for validators that do not assert formats).
    message = `must match format "${format}"`;
  } else if (error.keyword === 'additionalProperties') {
    message += ` ('${String(params.additionalProperty)}')`;
  } else if (error.keyword === 'const') {
    message += `: ${JSON.stringify(params.allowedValue)}`;
  } else if (error.keyword === 'enum') {
    message += `: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (error.propertyName !== undefined) message = `property name '${error.propertyName}' ${message}`;
  return `${path}: ${message}`;
}

/** Ajv errors as readable lines like `/data/recordCount: must be >= 1`, deduplicated and capped. */
export function formatErrors(errors: ErrorObject[], schema?: AnySchemaObject, data?: unknown): string[] {
  const narrowed = schema ? narrowOneOf(errors, schema, data) : errors;
  // A failing `propertyNames` is reported twice: by the inner keyword (with the name) and as a summary.
  const detailed = narrowed.filter(
    (e) =>
      e.keyword !== 'propertyNames' ||
      !narrowed.some((other) => other.propertyName === e.params.propertyName && other.instancePath === e.instancePath),
  );
  const lines = [...new Set(detailed.map(formatError))];
  if (lines.length <= MAX_REPORTED_ERRORS) return lines;
  return [...lines.slice(0, MAX_REPORTED_ERRORS), `... and ${lines.length - MAX_REPORTED_ERRORS} more errors`];
}
