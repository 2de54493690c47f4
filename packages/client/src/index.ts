/**
 * The typed client of the genlake gateway API. The types are generated from services/gateway/openapi.yaml
 * (src/generated/api.d.ts, checked for staleness by a test); openapi-fetch makes the calls.
 */
import createFetchClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './generated/api.js';

export type { components, operations, paths };

/** The gateway API as a typed openapi-fetch client. */
export type GenlakeClient = Client<paths>;

/** Every error answer of the gateway: `{statusCode, error, message, details?}`. */
export type ApiError = {
  statusCode: number;
  error: string;
  message: string;
  details?: string[];
};

export type Schemas = components['schemas'];
export type Batch = Schemas['Batch'];
export type BatchStatus = Schemas['BatchStatus'];
export type Generation = Schemas['Generation'];
export type Account = Schemas['Account'];
export type DeadLetter = Schemas['DeadLetter'];
export type BatchRequest = Schemas['BatchRequestV1'];
export type MeasurementRecord = Schemas['MeasurementRecordV1'];
export type CorrectedEstimate = Schemas['CorrectedEstimate'];
export type LakeTable = paths['/api/generations/{id}/tables/{table}']['get']['parameters']['path']['table'];
export type TablePage =
  paths['/api/generations/{id}/tables/{table}']['get']['responses']['200']['content']['application/json'];

export function createClient(options: ClientOptions = {}): GenlakeClient {
  return createFetchClient<paths>(options);
}

/** True when a JSON body has the shape of the gateway's error answers. */
export function isApiError(body: unknown): body is ApiError {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as ApiError).statusCode === 'number' &&
    typeof (body as ApiError).message === 'string'
  );
}
