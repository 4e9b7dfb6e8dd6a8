import type { Dispatcher } from 'undici';
import { createDeadline } from './deadline';
import { parseMessage } from './response-reader';
import { SseEventTooLargeError, readSseEvents } from './sse-events';
import { upstreamErrors } from './upstream-error';
import { buildUpstreamHeaders } from './upstream-headers';
import { discardBody, errorForStatus, exchange, mediaType, toUpstreamError } from './upstream-http';
import type {
  GetStreamOptions,
  GetStreamResult,
  UpstreamSession,
  UpstreamTarget,
} from './upstream-types';

export interface OpenGetStreamArgs {
  dispatcher: Dispatcher;
  target: UpstreamTarget;
  session: UpstreamSession;
  options: GetStreamOptions;
  /** Applies until the stream is open; afterwards only the caller's signal and idleness end it. */
  timeoutMs: number;
  idleTimeoutMs: number;
  maxBytes: number;
  userAgent?: string;
}

/**
 * Opens the standalone SSE stream of an upstream session (server notifications and requests
 * not tied to a client request). Each message comes with its event id so the caller can store
 * it and resume on any replica with `lastEventId`.
 */
export async function openSseGetStream(args: OpenGetStreamArgs): Promise<GetStreamResult> {
  const { target, session, options } = args;
  const deadline = createDeadline(args.timeoutMs, options.signal);
  let streaming = false;
  try {
    const response = await exchange(target, {
      dispatcher: args.dispatcher,
      method: 'GET',
      headers: buildUpstreamHeaders('get', target, session, undefined, {
        ...(args.userAgent !== undefined ? { userAgent: args.userAgent } : {}),
        ...(options.lastEventId !== undefined ? { lastEventId: options.lastEventId } : {}),
      }),
      deadline,
      timeoutMs: args.timeoutMs,
      bodyTimeoutMs: args.idleTimeoutMs,
    });
    if (response.status === 405) {
      discardBody(response);
      return { supported: false };
    }
    if (response.status < 200 || response.status >= 300) {
      throw await errorForStatus(target, response, session.sessionId !== undefined);
    }
    if (mediaType(response) !== 'text/event-stream') {
      discardBody(response);
      throw upstreamErrors.protocol(target.slug, 'the GET stream is not text/event-stream');
    }
    deadline.stopTimer();
    streaming = true;
    const done = (async () => {
      try {
        await readSseEvents(response.body, args.maxBytes, async (event) => {
          if (event.data === '' || (event.event !== undefined && event.event !== 'message')) {
            return false;
          }
          let value: unknown;
          try {
            value = JSON.parse(event.data);
          } catch {
            throw upstreamErrors.protocol(target.slug, 'a GET stream event holds invalid JSON');
          }
          const eventId = event.id === undefined || event.id === '' ? undefined : event.id;
          await options.onMessage(parseMessage({ target }, value), eventId);
          return false;
        });
      } catch (error) {
        if (deadline.cancelled()) return;
        if (error instanceof SseEventTooLargeError)
          throw upstreamErrors.tooLarge(target.slug, args.maxBytes);
        throw toUpstreamError(target, error, deadline, args.timeoutMs);
      } finally {
        deadline.dispose();
      }
    })();
    return { supported: true, done };
  } finally {
    if (!streaming) deadline.dispose();
  }
}
