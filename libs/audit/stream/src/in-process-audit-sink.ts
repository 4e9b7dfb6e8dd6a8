import type { AuditEventV1, AuditSourceEvent } from '@gatehouse/audit-contracts';
import type { AuditEventRepository } from '@gatehouse/data-access';
import type { Logger } from '@gatehouse/telemetry';
import { buildAuditEvent, type AuditSinkOptions } from './audit-event-builder';
import { AuditStreamError } from './audit-stream.errors';
import { writeAuditBatch } from './audit-event-writer';

export interface InProcessAuditSinkOptions extends AuditSinkOptions {
  /** Events held in memory at most; record() rejects beyond (fail closed). Default 10,000. */
  maxBuffered?: number;
  batchSize?: number;
  /** Longest an event waits before its batch is written. Default 200 ms. */
  maxWaitMs?: number;
  /** Longest close() keeps retrying a failing database. Default 10 s. */
  closeTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The embedded single-process sink (no Redis): events are buffered in memory and written to
 * Postgres/PGlite in batches. Weaker than the stream: a crash loses the buffer (at most
 * `maxBuffered` events, normally one batch window). A full buffer makes record() reject.
 */
export class InProcessAuditSink {
  private buffer: { event: AuditEventV1 }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failures = 0;
  private closed = false;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly repository: Pick<AuditEventRepository, 'createMany'>,
    private readonly options: InProcessAuditSinkOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.maxWaitMs = options.maxWaitMs ?? 200;
  }

  /** True while the buffer has room: a full buffer means the database is not keeping up. */
  get available(): boolean {
    return !this.closed && this.buffer.length < this.maxBuffered;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  async record(source: AuditSourceEvent): Promise<void> {
    if (this.closed) {
      throw new AuditStreamError('AUDIT_SINK_CLOSED', 'The audit sink is closed (shutting down).');
    }
    const event = await buildAuditEvent(source, this.options);
    if (this.buffer.length >= this.maxBuffered) {
      throw new AuditStreamError(
        'AUDIT_BUFFER_FULL',
        `The in-process audit buffer holds ${this.maxBuffered} unwritten events: the database is not keeping up or unreachable.`,
      );
    }
    this.buffer.push({ event });
    if (this.buffer.length >= this.batchSize) this.schedule(0);
    else this.schedule(this.maxWaitMs);
  }

  /** Writes everything buffered; rejects if the database fails (events stay buffered). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.batchSize);
      this.flushing = this.writeBatch(batch);
      try {
        await this.flushing;
      } finally {
        this.flushing = null;
      }
    }
  }

  /** Stops taking events and writes what is buffered, retrying for up to closeTimeoutMs. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 10_000);
    for (;;) {
      try {
        await this.flush();
        return;
      } catch (error) {
        if (Date.now() >= deadline) {
          this.options.logger?.error(
            { err: error, lost: this.buffer.length },
            'audit events not written at close',
          );
          throw error;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private async writeBatch(batch: { event: AuditEventV1 }[]): Promise<void> {
    const { rejected } = await writeAuditBatch(this.repository, batch);
    // Written (or refused for good): drop them from the front of the buffer.
    this.buffer.splice(0, batch.length);
    for (const { item, reason } of rejected) {
      this.options.logger?.error(
        { eventId: item.event.id, reason },
        'audit event refused by the database',
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().then(
        () => {
          this.failures = 0;
        },
        (error: unknown) => {
          this.failures += 1;
          this.options.logger?.warn(
            { err: error, buffered: this.buffer.length },
            'audit batch write failed; retrying',
          );
          if (!this.closed) this.schedule(Math.min(100 * 2 ** this.failures, 30_000));
        },
      );
    }, delayMs);
    this.timer.unref();
  }
}
