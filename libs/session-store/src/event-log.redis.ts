import type { Redis } from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  parseEventId,
  type LoggedEvent,
  type SessionEventLog,
  type TailOptions,
} from './event-log';

const ENTRY_ID = /^\d+-\d+$/;

/**
 * One Redis Stream per session; each entry carries its stream id (`s`), the message (`m`) and
 * whether it ends its stream (`f`). Readers block on XREAD, so the replica holding a client's
 * connection relays what any other replica appended.
 */
export class RedisSessionEventLog implements SessionEventLog {
  constructor(
    private readonly redis: Redis,
    /** Blocking reads hold a connection each: they get their own. */
    private readonly openReader: () => Redis,
    private readonly prefix: string,
    private readonly maxEvents: number,
    private readonly ttlSeconds: number,
  ) {}

  private key(sessionId: string): string {
    return `${this.prefix}session:${sessionId}:events`;
  }

  async append(
    sessionId: string,
    streamId: string,
    message: JSONRPCMessage,
    final = false,
  ): Promise<LoggedEvent> {
    const key = this.key(sessionId);
    const result = await this.redis
      .multi()
      .xadd(
        key,
        'MAXLEN',
        '~',
        String(this.maxEvents),
        '*',
        's',
        streamId,
        'm',
        JSON.stringify(message),
        'f',
        final ? '1' : '0',
      )
      .expire(key, this.ttlSeconds)
      .exec();
    const entryId = result?.[0]?.[1];
    if (typeof entryId !== 'string') throw new Error('could not append to the session event log');
    return { id: `${streamId}_${entryId}`, message, final };
  }

  async *tail(
    sessionId: string,
    streamId: string,
    options: TailOptions,
  ): AsyncIterable<LoggedEvent> {
    const key = this.key(sessionId);
    let cursor = '$';
    if (options.after) {
      const parsed = parseEventId(options.after);
      if (parsed && ENTRY_ID.test(parsed.position)) cursor = parsed.position;
    }
    const reader = this.openReader();
    const stop = () => reader.disconnect();
    options.signal.addEventListener('abort', stop, { once: true });
    try {
      if (cursor === '$') {
        // Pin "now" to a concrete id so no event slips between reads.
        const last = await reader.xrevrange(key, '+', '-', 'COUNT', 1);
        cursor = last[0]?.[0] ?? '0-0';
      }
      while (!options.signal.aborted) {
        const batch = await reader
          .xread('COUNT', 100, 'BLOCK', 5000, 'STREAMS', key, cursor)
          .catch((error: unknown) => {
            if (options.signal.aborted) return null;
            throw error;
          });
        if (!batch) continue;
        for (const [, entries] of batch) {
          for (const [entryId, fields] of entries) {
            cursor = entryId;
            const values = toRecord(fields);
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
      }
    } finally {
      options.signal.removeEventListener('abort', stop);
      reader.disconnect();
    }
  }

  async drop(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }
}

function toRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2)
    record[fields[i] as string] = fields[i + 1] as string;
  return record;
}
