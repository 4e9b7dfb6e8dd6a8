import {
  asTopology,
  createRedisClient,
  type RedisClient,
  type RedisTopology,
} from '@gatehouse/config';
import type { RedisOptions } from 'ioredis';
import type { AuditSourceEvent } from '@gatehouse/audit-contracts';
import { buildAuditEvent, type AuditSinkOptions } from './audit-event-builder';
import { AuditStreamError } from './audit-stream.errors';
import { auditStreamKeys, EVENT_FIELD } from './audit-stream-keys';

export interface RedisStreamAuditSinkOptions extends AuditSinkOptions {
  /** REDIS_KEY_PREFIX; the stream is `${prefix}audit`. */
  prefix: string;
  /** Longest a record() may take before it rejects (connect and command). Default 1000 ms. */
  timeoutMs?: number;
  /** Extra ioredis options (tests, TLS). */
  redisOptions?: RedisOptions;
}

/**
 * ioredis settings for a writer that must fail fast: no offline queue (a command issued while
 * disconnected rejects at once instead of waiting for a reconnect), one attempt per command,
 * a command timeout; reconnection keeps going in the background.
 */
export function failFastRedisOptions(timeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
  };
}

interface PendingEvent {
  payload: string;
  resolve: () => void;
  reject: (error: AuditStreamError) => void;
}

/**
 * The gateway's AuditSink on a Redis Stream: one XADD per event (pipelined per event-loop turn), no trimming at write time
 * (the audit-service trims only acknowledged entries). record() resolves once Redis holds the
 * event and rejects with AUDIT_STREAM_UNAVAILABLE within `timeoutMs` when it cannot.
 * A timed-out XADD may still have reached Redis: the event can then exist for a refused call.
 */
export class RedisStreamAuditSink {
  private readonly redis: RedisClient;
  private readonly key: string;
  private closed = false;
  private pending: PendingEvent[] = [];

  constructor(
    target: string | RedisTopology,
    private readonly options: RedisStreamAuditSinkOptions,
  ) {
    const timeoutMs = options.timeoutMs ?? 1000;
    this.key = auditStreamKeys(options.prefix).stream;
    this.redis = createRedisClient(asTopology(target), 'audit-sink', {
      ...failFastRedisOptions(timeoutMs),
      ...options.redisOptions,
    });
    // Errors surface through record(); an unhandled 'error' event would crash the process.
    this.redis.on('error', () => undefined);
  }

  /** True while the connection to Redis is up: calls that must be audited can be taken. */
  get available(): boolean {
    return !this.closed && this.redis.status === 'ready';
  }

  /** Resolves when the connection is ready (call at start-up; record() before that rejects). */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(this.unavailable(new Error(`not ready after ${timeoutMs} ms`)));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  async record(source: AuditSourceEvent): Promise<void> {
    if (this.closed) {
      throw new AuditStreamError('AUDIT_SINK_CLOSED', 'The audit sink is closed (shutting down).');
    }
    const event = await buildAuditEvent(source, this.options);
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ payload: JSON.stringify(event), resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * Sends the events recorded during one turn of the event loop as one pipeline: one socket
   * write and one read for all of them instead of one each (under load several calls finish
   * in the same turn). Each record() still settles with its own XADD's outcome.
   */
  private flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const settle = (item: PendingEvent, error: unknown) =>
      error ? item.reject(this.unavailable(error)) : item.resolve();
    const only = batch.length === 1 ? batch[0] : undefined;
    if (only) {
      this.redis.xadd(this.key, '*', EVENT_FIELD, only.payload).then(
        () => settle(only, undefined),
        (error: unknown) => settle(only, error),
      );
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const item of batch) pipeline.xadd(this.key, '*', EVENT_FIELD, item.payload);
    pipeline.exec().then(
      (results) =>
        batch.forEach((item, i) =>
          settle(item, results?.[i]?.[0] ?? (results ? undefined : 'no reply')),
        ),
      (error: unknown) => batch.forEach((item) => settle(item, error)),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    // Events recorded this turn go out before QUIT (flush() is a no-op when nothing is pending).
    if (this.pending.length > 0) this.flush();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private unavailable(cause: unknown): AuditStreamError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new AuditStreamError(
      'AUDIT_STREAM_UNAVAILABLE',
      `Could not append the audit event to Redis stream "${this.key}" (${detail}). ` +
        'Calls that must be audited are refused until Redis is reachable again, unless the tenant opted into fail-open.',
      { cause },
    );
  }
}
