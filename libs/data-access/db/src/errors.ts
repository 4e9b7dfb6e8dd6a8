export type DataAccessErrorCode =
  | 'MIGRATIONS_DIR_NOT_FOUND'
  | 'MIGRATION_CHECKSUM_MISMATCH'
  | 'MIGRATION_FAILED_PREVIOUSLY'
  | 'MIGRATION_FAILED'
  | 'INVALID_CURSOR'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'CONFLICT';

/** Every error raised by the data-access layer; `code` is stable, `message` says what to do. */
export class DataAccessError extends Error {
  override readonly name = 'DataAccessError';

  constructor(
    readonly code: DataAccessErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
