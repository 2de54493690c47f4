import { HttpException } from '@nestjs/common';

const NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** An answer to the client with a status and a reason it can act on; `details` lists specific problems. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    message: string,
    details?: string[],
    /** Response headers, e.g. Retry-After (the kit's exception filter sets them). */
    readonly headers?: Record<string, string>,
  ) {
    super({ error: NAMES[status] ?? 'Error', message, ...(details?.length ? { details } : {}) }, status);
  }

  static tooManyRequests(message: string, retryAfterSeconds: number) {
    return new ApiError(429, message, undefined, { 'retry-after': String(retryAfterSeconds) });
  }

  static badRequest(message: string, details?: string[]) {
    return new ApiError(400, message, details);
  }

  static notFound(message: string) {
    return new ApiError(404, message);
  }
}
