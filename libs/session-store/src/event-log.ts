import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { InflightWrite } from './inflight-calls';

/** One SSE event as sent to a client: its id is unique within the session and names its stream. */
export interface LoggedEvent {
  id: string;
  message: JSONRPCMessage;
  /** The last event of a POST stream (the final response): a resumed stream ends after it. */
  final: boolean;
}

export interface TailOptions {
  /** Resume after this event id (from Last-Event-ID); absent = only events from now on. */
  after?: string;
  signal: AbortSignal;
}

/**
 * Every SSE event the gateway sends, per session, so a client can resume a stream with
 * Last-Event-ID on any replica. Bounded per session by count and by bytes (the oldest events go
 * first, never the newest) and expires with the session.
 */
export interface SessionEventLog {
  append(
    sessionId: string,
    streamId: string,
    message: JSONRPCMessage,
    final?: boolean,
    /** Written in the same transaction (Redis only; a single process has no replica to lose). */
    inflight?: InflightWrite,
  ): Promise<LoggedEvent>;
  /** Events of `streamId` after `after`, then live ones, until the signal aborts or a final event. */
  tail(sessionId: string, streamId: string, options: TailOptions): AsyncIterable<LoggedEvent>;
  drop(sessionId: string): Promise<void>;
}

/** `<streamId>_<position>`: the stream to resume and where. */
export function parseEventId(eventId: string): { streamId: string; position: string } | undefined {
  const at = eventId.lastIndexOf('_');
  if (at <= 0 || at === eventId.length - 1) return undefined;
  return { streamId: eventId.slice(0, at), position: eventId.slice(at + 1) };
}
