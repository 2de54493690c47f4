import { getAjv, getSchema } from '@genlake/contracts';
import { ApiError } from '../api-error';

type ValidateFunction = ReturnType<ReturnType<typeof getAjv>['compile']>;
type ErrorObject = NonNullable<ValidateFunction['errors']>[number];

let envelope: ValidateFunction | undefined;

/**
 * The contract's batch-request.v1 schema for the JSON body, compiled once, with one difference: the records are
 * checked only as an array here, because the ingestor validates and normalizes each record against
 * record.v1 with its index in the reason. So the body's envelope (dataset, options, no other field) is exactly what
 * the contract says, and the contract and the API cannot disagree.
 */
function envelopeValidator(): ValidateFunction {
  if (envelope) return envelope;
  const schema = getSchema('batch-request.v1');
  const { $id: _id, ...rest } = schema;
  envelope = getAjv().compile({
    ...rest,
    properties: { ...schema.properties, records: { type: 'array' } },
  });
  return envelope;
}

function reason(error: ErrorObject): string {
  const field = error.instancePath.slice(1).replaceAll('/', '.');
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return field ? `unknown field ${field}.${extra}` : `unknown field ${extra}`;
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${field ? `${field}.` : ''}${missing} is required`;
  }
  return `${field || 'the body'} ${error.message ?? 'is not valid'}`;
}

/** A JSON body whose envelope follows batch-request.v1 (the dataset name and the records are checked after). */
export interface BatchRequestEnvelope {
  dataset: unknown;
  records: unknown[];
  options?: { complexity: number };
}

/** The dataset name rule of the contract (`batch-request.v1`'s `dataset.pattern`), for names given anywhere. */
export const DATASET_PATTERN = new RegExp(
  (getSchema('batch-request.v1').properties as { dataset: { pattern: string } }).dataset.pattern,
);

/** 400 naming the field when the JSON body is not a batch-request.v1 envelope. */
export function checkBatchRequestEnvelope(body: unknown): asserts body is BatchRequestEnvelope {
  const validate = envelopeValidator();
  if (validate(body)) return;
  // The dataset name is checked next with the rule spelled out for people (checkDataset).
  const errors = (validate.errors ?? []).filter(
    (e) =>
      e.instancePath !== '/dataset' &&
      !(e.keyword === 'required' && (e.params as { missingProperty?: string }).missingProperty === 'dataset'),
  );
  if (errors.length === 0) return;
  throw ApiError.badRequest(`the body does not follow batch-request.v1: ${errors.slice(0, 5).map(reason).join('; ')}`);
}
