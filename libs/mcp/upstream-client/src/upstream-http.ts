import { request, type Dispatcher } from 'undici';
import type { Deadline } from './deadline';
import { UpstreamError, upstreamErrors } from './upstream-error';
import type { UpstreamTarget } from './upstream-types';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export interface ExchangeOptions {
  dispatcher: Dispatcher;
  method: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  deadline: Deadline;
  timeoutMs: number;
  /** undici's own inactivity timer for the body; 0 disables it (our deadline governs). */
  bodyTimeoutMs?: number;
}

/** One HTTP exchange; transport failures come back as UpstreamError, statuses are not judged. */
export async function exchange(
  target: UpstreamTarget,
  options: ExchangeOptions,
): Promise<UpstreamResponse> {
  try {
    const response = await request(target.url, {
      dispatcher: options.dispatcher,
      method: options.method,
      headers: options.headers,
      body: options.body ?? null,
      signal: options.deadline.signal,
      headersTimeout: 0,
      bodyTimeout: options.bodyTimeoutMs ?? 0,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    throw toUpstreamError(target, error, options.deadline, options.timeoutMs);
  }
}

/** Maps anything thrown while talking to an upstream (connecting or reading) to an UpstreamError. */
export function toUpstreamError(
  target: UpstreamTarget,
  error: unknown,
  deadline: Deadline,
  timeoutMs: number,
): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (deadline.timedOut()) return upstreamErrors.timeout(target.slug, timeoutMs);
  if (deadline.cancelled()) return upstreamErrors.cancelled(target.slug);
  return upstreamErrors.unreachable(target.slug, target.url, error);
}

/**
 * Like toUpstreamError, for a failure while reading a body the upstream had begun to send: it
 * was reached, so a broken connection is not "unreachable" but an answer cut short.
 */
export function toReadError(
  target: UpstreamTarget,
  error: unknown,
  deadline: Deadline,
  timeoutMs: number,
): UpstreamError {
  if (error instanceof UpstreamError || deadline.timedOut() || deadline.cancelled())
    return toUpstreamError(target, error, deadline, timeoutMs);
  return upstreamErrors.connectionLost(target.slug, error);
}

export function headerValue(response: UpstreamResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function mediaType(response: UpstreamResponse): string {
  return (headerValue(response, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Reads a whole body, failing as soon as it passes `maxBytes` instead of buffering it all. */
export async function readCappedText(
  target: UpstreamTarget,
  response: UpstreamResponse,
  maxBytes: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) {
      response.body.destroy();
      throw upstreamErrors.tooLarge(target.slug, maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const SESSION_GONE = /session/i;
const SESSION_GONE_DETAIL = /invalid|missing|not found|unknown|no valid|expired|required/i;
const DETAIL_LIMIT = 300;

/**
 * Judges a non-2xx status. A 404 to a request that carried a session id means the upstream lost
 * the session (spec); some servers (the SDK's examples) say 400 "No valid session ID" instead.
 */
export async function errorForStatus(
  target: UpstreamTarget,
  response: UpstreamResponse,
  sentSessionId: boolean,
): Promise<UpstreamError> {
  const detail = await readDetail(response);
  const { status } = response;
  if (status === 401 || status === 403) return upstreamErrors.unauthorized(target.slug, status);
  if (sentSessionId && status === 404) return upstreamErrors.sessionExpired(target.slug, status);
  if (
    sentSessionId &&
    status === 400 &&
    SESSION_GONE.test(detail) &&
    SESSION_GONE_DETAIL.test(detail)
  ) {
    return upstreamErrors.sessionExpired(target.slug, status);
  }
  return upstreamErrors.http(target.slug, status, detail);
}

async function readDetail(response: UpstreamResponse): Promise<string> {
  let text = '';
  try {
    // Only the start matters for a message; never buffer a huge error page.
    for await (const chunk of response.body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length >= 4096) break;
    }
  } catch {
    return text.slice(0, DETAIL_LIMIT);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const message = (parsed as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message.slice(0, DETAIL_LIMIT);
  } catch {
    // Not JSON: fall back to the raw text below.
  }
  // An HTML error page (a proxy's, a framework's): its text says more than its markup.
  const plain = /^\s*</.test(text)
    ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>?/g, ' ')
    : text;
  return plain.replace(/\s+/g, ' ').trim().slice(0, DETAIL_LIMIT);
}

/** Lets the connection return to the pool without waiting for the rest of the body. */
export function discardBody(response: UpstreamResponse): void {
  response.body.dump({ limit: 64 * 1024 }).catch(() => {
    // The body is unwanted; a failure to drain only costs the pooled connection.
  });
}
