/**
 * What `gatehouse` exits with, so scripts can tell failures apart without parsing messages.
 * Documented in `gatehouse --help` and docs/cli.md; keep the numbers stable.
 */
export const EXIT = {
  OK: 0,
  /** Anything not covered below (a 5xx from the API, an unexpected answer). */
  FAILED: 1,
  /** Bad command line or input file, or the API refused the input (400, 413, 415). */
  USAGE: 2,
  /** Not signed in, or the token was refused (401): run `gatehouse login`. */
  UNAUTHENTICATED: 3,
  /** Signed in but not allowed (403). */
  FORBIDDEN: 4,
  /** No such tenant, person, upstream, ... (404). */
  NOT_FOUND: 5,
  /** Conflicts with the current state (409: the slug exists, already decided, ...). */
  CONFLICT: 6,
  /** The admin API could not be reached, or asked to slow down (429). */
  UNAVAILABLE: 7,
  /** `diff`: the file and the installation differ (like `diff(1)`, a result, not an error). */
  DIFFERENT: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure to report to the person at the terminal: what happened and what to do. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** What to do about it, printed on its own line. */
    readonly hint?: string,
    /** The API's error code, when the API reported the failure. */
    readonly apiCode?: string,
  ) {
    super(message);
  }
}

export function exitCodeForStatus(status: number): ExitCode {
  if (status === 400 || status === 413 || status === 415 || status === 422) return EXIT.USAGE;
  if (status === 401) return EXIT.UNAUTHENTICATED;
  if (status === 403) return EXIT.FORBIDDEN;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 409) return EXIT.CONFLICT;
  if (status === 429 || status === 502 || status === 503 || status === 504) return EXIT.UNAVAILABLE;
  return EXIT.FAILED;
}
