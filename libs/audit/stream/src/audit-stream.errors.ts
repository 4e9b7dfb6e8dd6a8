export type AuditStreamErrorCode =
  'AUDIT_STREAM_UNAVAILABLE' | 'AUDIT_BUFFER_FULL' | 'AUDIT_SINK_CLOSED' | 'AUDIT_STREAM_PROTOCOL';

/** Every error of the audit sinks and stream client; `code` is stable, `message` says what to do. */
export class AuditStreamError extends Error {
  override readonly name = 'AuditStreamError';

  constructor(
    readonly code: AuditStreamErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
