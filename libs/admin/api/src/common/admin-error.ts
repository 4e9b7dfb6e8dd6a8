/**
 * Every failure the admin API reports on purpose. The code is stable and part of the API; the
 * HTTP status for each lives in one table (ADMIN_ERROR_STATUS) used by the exception filter.
 */
export const ADMIN_ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_CURSOR: 400,
  INVALID_URL: 400,
  MALFORMED_REQUEST: 400,
  UPSTREAM_URL_INVALID: 400,
  UPSTREAM_URL_SCHEME_REFUSED: 400,
  UPSTREAM_URL_CREDENTIALS_REFUSED: 400,
  UPSTREAM_URL_PRIVATE_ADDRESS: 400,
  UPSTREAM_URL_UNRESOLVABLE: 400,
  UPSTREAM_AUTH_MODE_UNSUPPORTED: 400,
  UPSTREAM_AUTH_MODE_MISMATCH: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_SCOPE: 403,
  SELF_APPROVAL: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_DECIDED: 409,
  EXPIRED: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  ROUTE_WITHOUT_ACCESS_RULE: 500,
  INTERNAL: 500,
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERROR_STATUS;

export class AdminError extends Error {
  override readonly name = 'AdminError';

  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return ADMIN_ERROR_STATUS[this.code];
  }
}

/** The one "not found" the API gives, for unknown ids and for other tenants' ids alike. */
export function notFound(what: string): AdminError {
  return new AdminError('NOT_FOUND', `No ${what} with that id in this tenant.`);
}
