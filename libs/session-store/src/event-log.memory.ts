import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  parseEventId,
  type LoggedEvent,
  type SessionEventLog,
  type TailOptions,
} from './event-log';

interface Entry {
  seq: number;
  streamId: string;
  event: LoggedEvent;
  /** The message's size as the Redis log counts it (its JSON). */
  bytes: number;
}

/**
 * The embedded mode's event log: the same contract in one process's memory, bounded per session
 * by count and bytes like the Redis log (oldest dropped first, never the newest).
 */
export class InMemorySessionEventLog implements SessionEventLog {
  private readonly logs = new Map<
    string,
    { entries: Entry[]; bytes: number; waiters: Set<() => void> }
  >();
  private seq = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  private log(sessionId: string) {
    let log = this.logs.get(sessionId);
    if (!log) {
      log = { entries: [], bytes: 0, waiters: new Set() };
      this.logs.set(sessionId, log);
    }
    return log;
  }

  async append(
    sessionId: string,
    streamId: string,
    message: JSONRPCMessage,
    final = false,
  ): Promise<LoggedEvent> {
    const log = this.log(sessionId);
    const seq = ++this.seq;
    const event: LoggedEvent = { id: `${streamId}_${seq}`, message, final };
    const bytes = Buffer.byteLength(JSON.stringify(message));
    log.entries.push({ seq, streamId, event, bytes });
    log.bytes += bytes;
    let dropped = 0;
    while (
      log.entries.length - dropped > 1 &&
      (log.entries.length - dropped > this.maxEvents || log.bytes > this.maxBytes)
    )
      log.bytes -= log.entries[dropped++]?.bytes ?? 0;
    log.entries.splice(0, dropped);
    for (const wake of log.waiters) wake();
    return event;
  }

  async *tail(
    sessionId: string,
    streamId: string,
    options: TailOptions,
  ): AsyncIterable<LoggedEvent> {
    const log = this.log(sessionId);
    const parsed = options.after ? parseEventId(options.after) : undefined;
    let cursor = parsed && /^\d+$/.test(parsed.position) ? Number(parsed.position) : this.seq;
    // Resuming after the stream's final event: the stream is complete, nothing follows.
    const resumedAt = log.entries.find((e) => e.seq === cursor);
    if (resumedAt?.streamId === streamId && resumedAt.event.final) return;
    while (!options.signal.aborted) {
      const next = log.entries.filter((e) => e.seq > cursor);
      for (const entry of next) {
        cursor = entry.seq;
        if (entry.streamId !== streamId) continue;
        yield entry.event;
        if (entry.event.final) return;
      }
      // Events appended while this reader was suspended at a yield are picked up before waiting.
      if (log.entries.some((e) => e.seq > cursor)) continue;
      await new Promise<void>((resolve) => {
        const wake = () => {
          log.waiters.delete(wake);
          resolve();
        };
        log.waiters.add(wake);
        options.signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  async drop(sessionId: string): Promise<void> {
    this.logs.delete(sessionId);
  }
}
