import { API, type ApiOperationName } from './api-operations';
import { CliError, EXIT, exitCodeForStatus } from './exit-codes';
import type { Login } from './login-store';

export interface CallOptions {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | undefined>;
  body?: Record<string, unknown>;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { issues?: unknown[] } };
}

/** What to do about an API error code, when there is more to say than its message. */
const HINTS: Record<string, string> = {
  UNAUTHENTICATED: 'Run `gatehouse login` with a valid token.',
  INSUFFICIENT_SCOPE: 'Use a token with the admin:* scope (or admin:read for reads).',
  FORBIDDEN: 'Ask an admin of the tenant (or a platform admin) to do this.',
  NOT_FOUND:
    'Check the id or slug; `list` shows what exists (and `--tenant` which tenant you are in).',
  RATE_LIMITED: 'Wait a minute and try again.',
};

/**
 * The admin API over HTTP, one operation of `API` at a time. Every failure becomes a CliError
 * carrying the API's code and message and an exit code that says what kind of failure it was.
 */
export class AdminClient {
  constructor(readonly login: Login) {}

  get tenant(): string {
    return this.login.tenant ?? 'default';
  }

  async call<T = unknown>(name: ApiOperationName, options: CallOptions = {}): Promise<T> {
    const operation = API[name];
    const path = operation.path.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = key === 't' ? (options.params?.['t'] ?? this.tenant) : options.params?.[key];
      if (value === undefined) throw new Error(`${name}: missing path parameter ${key}`);
      return encodeURIComponent(String(value));
    });
    const url = new URL(path, this.login.url);
    const allowedQuery: readonly string[] = 'query' in operation ? operation.query : [];
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (!allowedQuery.includes(key)) throw new Error(`${name}: query ${key} is not in API`);
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const allowedBody: readonly string[] = 'body' in operation ? operation.body : [];
    for (const key of Object.keys(options.body ?? {}))
      if (!allowedBody.includes(key)) throw new Error(`${name}: body field ${key} is not in API`);
    const sendsBody = operation.method !== 'GET' && operation.method !== 'DELETE';
    let response: Response;
    try {
      response = await fetch(url, {
        method: operation.method,
        headers: {
          authorization: `Bearer ${this.login.token}`,
          accept: 'application/json',
          ...(sendsBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(sendsBody ? { body: JSON.stringify(options.body ?? {}) } : {}),
      });
    } catch (error) {
      throw new CliError(
        `Cannot reach the admin API at ${this.login.url}: ${describe(error)}.`,
        EXIT.UNAVAILABLE,
        'Is Gatehouse running? Check the URL with `gatehouse login --url ...`.',
      );
    }
    const text = await response.text();
    const json = parseJson(text);
    if (response.ok) return json as T;
    const error = (json as ErrorBody | undefined)?.error;
    const code = error?.code ?? `HTTP_${response.status}`;
    const issues = error?.details?.issues;
    const detail = Array.isArray(issues) && issues.length > 0 ? `\n${formatIssues(issues)}` : '';
    throw new CliError(
      `${error?.message ?? (text.slice(0, 200) || response.statusText)} (${code})${detail}`,
      exitCodeForStatus(response.status),
      HINTS[code],
      code,
    );
  }

  /** Every item of a list operation, following `nextCursor`. */
  async listAll<T>(name: ApiOperationName, options: CallOptions = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call<{ items: T[]; nextCursor: string | null }>(name, {
        ...options,
        query: { ...options.query, limit: 200, cursor },
      });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

function formatIssues(issues: unknown[]): string {
  return issues
    .map((issue) => {
      const { path, message } = (issue ?? {}) as { path?: unknown; message?: unknown };
      const joined = Array.isArray(path) ? path.join('.') : typeof path === 'string' ? path : '';
      const where = joined ? `${joined}: ` : '';
      return `  - ${where}${String(message ?? JSON.stringify(issue))}`;
    })
    .join('\n');
}
