import type { RedisConnection } from './redis-connection';
import type { Bus } from '@gatehouse/bus';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  parseEventId,
  type LoggedEvent,
  type SessionEventLog,
  type TailOptions,
} from './event-log';
import { defineAppendEvent } from './event-log-append.redis';
import { encodeInflight, inflightKey, type InflightWrite } from './inflight-calls';

const ENTRY_ID = /^\d+-\d+$/;

interface Published {
  entryId: string;
  streamId: string;
  message: JSONRPCMessage;
  final: boolean;
  /** The message's size as logged (absent from a replica of an older version: counted as 0). */
  bytes?: number;
}

/** Orders Redis Stream ids (`<ms>-<seq>`). */
function compareEntryIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/**
 * One Redis Stream per session (bounded by count and bytes, expiring with the session) holds
 * every SSE event for replay; live delivery goes over the bus, so a replica needs no blocking
 * connection per open stream. A reader subscribes first, then replays from the stream, then
 * drops live duplicates.
 */
export class RedisSessionEventLog implements SessionEventLog {
  constructor(
    private readonly redis: RedisConnection,
    private readonly bus: Bus,
    private readonly prefix: string,
    private readonly maxEvents: number,
    private readonly maxBytes: number,
    private readonly ttlSeconds: number,
  ) {
    defineAppendEvent(redis);
  }

  private key(sessionId: string): string {
    return `${this.prefix}session:${sessionId}:events`;
  }

  /** The bytes the session's stream holds (kept by the append script, same TTL). */
  private bytesKey(sessionId: string): string {
    return `${this.prefix}session:${sessionId}:events:bytes`;
  }

  private channel(sessionId: string): string {
    return `mcp:events:${sessionId}`;
  }

  async append(
    sessionId: string,
    streamId: string,
    message: JSONRPCMessage,
    final = false,
    inflight?: InflightWrite,
  ): Promise<LoggedEvent> {
    const logged = JSON.stringify(message);
    const multi = this.redis
      .multi()
      .gatehouseAppendEvent(
        this.key(sessionId),
        this.bytesKey(sessionId),
        this.maxEvents,
        this.maxBytes,
        this.ttlSeconds,
        streamId,
        logged,
        final ? '1' : '0',
      );
    // The in-flight call entry changes with the event that carries it: same transaction.
    if (inflight && 'remove' in inflight) multi.hdel(inflightKey(this.prefix), inflight.field);
    else if (inflight)
      multi.hset(
        inflightKey(this.prefix),
        inflight.field,
        encodeInflight(inflight.owner, inflight.record),
      );
    const result = await multi.exec();
    const appendError = result?.[0]?.[0];
    if (appendError) throw appendError;
    const entryId = result?.[0]?.[1];
    if (typeof entryId !== 'string') throw new Error('could not append to the session event log');
    const bytes = Buffer.byteLength(logged);
    const published: Published = { entryId, streamId, message, final, bytes };
    await this.bus.publish(this.channel(sessionId), published);
    return { id: `${streamId}_${entryId}`, message, final };
  }

  async *tail(
    sessionId: string,
    streamId: string,
    options: TailOptions,
  ): AsyncIterable<LoggedEvent> {
    const live: Published[] = [];
    let liveBytes = 0;
    let wake: (() => void) | undefined;
    // A reader that does not keep up (its client stopped reading) must not make this replica
    // hold every event published meanwhile: past the log's own bounds (count, then bytes, where
    // a lone event may exceed them as in the log) the stream ends, and the client resumes from
    // the log with Last-Event-ID (what the log still holds is all it could have got anyway).
    let overflowed = false;
    const unsubscribe = await this.bus.subscribe(this.channel(sessionId), (message) => {
      if (overflowed) return;
      const published = message as Published;
      const bytes = published.bytes ?? 0;
      if (live.length >= this.maxEvents || (live.length > 0 && liveBytes + bytes > this.maxBytes)) {
        overflowed = true;
        live.length = 0;
        liveBytes = 0;
      } else {
        live.push(published);
        liveBytes += bytes;
      }
      wake?.();
    });
    const onAbort = () => wake?.();
    options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const parsed = options.after ? parseEventId(options.after) : undefined;
      let cursor: string | undefined =
        parsed && ENTRY_ID.test(parsed.position) ? parsed.position : undefined;
      if (cursor !== undefined) {
        // From the resumed event itself (same one command): if it ended its stream, nothing follows.
        const resumedAt = cursor;
        for (const [entryId, fields] of await this.redis.xrange(this.key(sessionId), cursor, '+')) {
          const values = toRecord(fields);
          if (entryId === resumedAt) {
            if (values['s'] === streamId && values['f'] === '1') return;
            continue;
          }
          cursor = entryId;
          if (values['s'] !== streamId || values['m'] === undefined) continue;
          const event: LoggedEvent = {
            id: `${streamId}_${entryId}`,
            message: JSON.parse(values['m']) as JSONRPCMessage,
            final: values['f'] === '1',
          };
          yield event;
          if (event.final) return;
        }
      }
      while (!options.signal.aborted && !overflowed) {
        const next = live.shift();
        if (!next) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        liveBytes -= next.bytes ?? 0;
        if (
          next.streamId !== streamId ||
          (cursor !== undefined && compareEntryIds(next.entryId, cursor) <= 0)
        )
          continue;
        cursor = next.entryId;
        yield { id: `${streamId}_${next.entryId}`, message: next.message, final: next.final };
        if (next.final) return;
      }
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      await unsubscribe();
    }
  }

  async drop(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId), this.bytesKey(sessionId));
  }
}

function toRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2)
    record[fields[i] as string] = fields[i + 1] as string;
  return record;
}
