import type { AdminError } from './admin-error';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
    requestId: string;
  };
}

/** The documented error body of an AdminError, for the exception filter and the edge hooks. */
export function errorBodyOf(error: AdminError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      requestId,
    },
  };
}
