import { HttpException } from '@nestjs/common';

const NAMES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  503: 'Service Unavailable',
};

/** An answer to the client with a status and a reason it can act on; `details` lists specific problems. */
export class ApiError extends HttpException {
  constructor(status: number, message: string, details?: string[]) {
    super({ error: NAMES[status] ?? 'Error', message, ...(details?.length ? { details } : {}) }, status);
  }

  static badRequest(message: string, details?: string[]) {
    return new ApiError(400, message, details);
  }

  static notFound(message: string) {
    return new ApiError(404, message);
  }
}
