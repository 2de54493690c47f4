import type { z } from 'zod';
import { ApiError } from './api-error';

/** Validates a JSON body against a strict zod schema; a mismatch is a 400 listing every problem. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
    throw ApiError.badRequest('the body must be a JSON object');
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'body';
    return issue.code === 'unrecognized_keys'
      ? `unknown field(s): ${issue.keys.join(', ')}`
      : `${where}: ${issue.message}`;
  });
  throw ApiError.badRequest(`the body is not valid: ${details.join('; ')}`, details);
}
