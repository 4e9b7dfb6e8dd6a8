import { HttpException } from '@nestjs/common';
import { AuthError } from '@gatehouse/auth';
import { DataAccessError } from '@gatehouse/data-access';
import { ZodError } from 'zod';
import { AdminError, type AdminErrorCode } from './admin-error';

export const BEARER_REALM = 'Bearer realm="gatehouse"';

/**
 * The one place where every error class is mapped to an AdminError (and so to a status and a
 * code). Anything unrecognised becomes INTERNAL; the filter logs it.
 */
export function toAdminError(error: unknown): AdminError {
  if (error instanceof AdminError) return error;
  if (error instanceof ZodError) {
    return new AdminError('VALIDATION_FAILED', 'The request is invalid: see details.issues.', {
      issues: error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
        ...positionOf(issue),
      })),
    });
  }
  if (error instanceof AuthError) return unauthenticated(error.code, error.message, true);
  if (error instanceof DataAccessError) return fromDataAccess(error);
  if (error instanceof HttpException) return fromStatus(error.getStatus(), error.message);
  const status = statusOf(error);
  if (status !== undefined && error instanceof Error) return fromStatus(status, error.message);
  return new AdminError('INTERNAL', 'Internal error; the server log has the details.');
}

/** 401 with the RFC 6750 challenge; `invalidToken` adds error="invalid_token". */
export function unauthenticated(
  reason: string,
  message: string,
  invalidToken: boolean,
): AdminError {
  const challenge = invalidToken
    ? `${BEARER_REALM}, error="invalid_token", error_description="${message.replace(/"/g, "'")}"`
    : BEARER_REALM;
  return new AdminError('UNAUTHENTICATED', message, { reason }, { 'WWW-Authenticate': challenge });
}

/** Where in a text field the problem is (a CEL condition's line and column), when known. */
function positionOf(issue: ZodError['issues'][number]): { position?: unknown } {
  if (issue.code !== 'custom') return {};
  const position: unknown = issue.params?.['position'];
  return position === undefined ? {} : { position };
}

function fromDataAccess(error: DataAccessError): AdminError {
  switch (error.code) {
    case 'CONFLICT':
      return new AdminError('CONFLICT', error.message, error.details);
    case 'NOT_FOUND':
      return new AdminError('NOT_FOUND', error.message);
    case 'INVALID_ARGUMENT':
      return new AdminError('VALIDATION_FAILED', error.message, error.details);
    case 'INVALID_CURSOR':
      return new AdminError('INVALID_CURSOR', error.message);
    default:
      return new AdminError('INTERNAL', 'Internal error; the server log has the details.');
  }
}

const BY_STATUS: Record<number, AdminErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

function fromStatus(status: number, message: string): AdminError {
  const code = BY_STATUS[status];
  if (code === 'UNAUTHENTICATED') return unauthenticated('missing_credentials', message, false);
  if (code === 'UNSUPPORTED_MEDIA_TYPE') {
    return new AdminError(
      code,
      'The admin API takes JSON bodies only: send Content-Type: application/json.',
    );
  }
  return code
    ? new AdminError(code, message)
    : new AdminError('INTERNAL', 'Internal error; the server log has the details.');
}

/** Fastify's own errors (bad JSON, wrong content type, body too large) carry a statusCode. */
function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status: unknown = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}
