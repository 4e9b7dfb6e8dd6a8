import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseAuditEventJson, type AuditEventV1 } from '@gatehouse/audit-contracts';
import {
  AuditStreamConsumer,
  writeAuditBatch,
  type DeadLetter,
  type StreamEntry,
} from '@gatehouse/audit-stream';
import {
  gatehouseMetrics,
  linkTo,
  SpanKind,
  withSpan,
  type Link,
  type ObservableCallback,
} from '@gatehouse/telemetry';
import { runRetention, type RetentionResult } from './audit-retention';
import {
  resolveOptions,
  type AuditWorkerMetrics,
  type AuditWorkerOptions,
  type AuditWorkerStatus,
  type ResolvedAuditWorkerOptions,
} from './audit-worker.options';

interface Item {
  entry: StreamEntry;
  event: AuditEventV1;
  /** The entry's JSON text, which the event was parsed and validated from. */
  payload: string;
}

function message(error: unknown): string {
  return error instanceof Error
    ? error.message.split('\n').filter(Boolean).slice(-1).join('')
    : String(error);
}

/** A read this small means events trickle in; see nextBatch(). */
const TRICKLE_READ = 32;
const TRICKLE_LINGER_MS = 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The audit-service's consumer: reads the stream with a consumer group, validates, writes one
 * createMany per batch and acknowledges only after the commit. A failing write is retried
 * with exponential backoff and nothing is acknowledged meanwhile; invalid or refused events go
 * to the dead-letter stream with their reason. Entries a dead worker left pending are claimed.
 */
export class AuditWorker {
  private readonly options: ResolvedAuditWorkerOptions;
  private readonly consumer: AuditStreamConsumer;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private killed = false;
  private wake: (() => void) | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private nextTrimAt = 0;
  private readonly current: AuditWorkerStatus;
  private readonly counters = {
    processed: 0,
    deadLettered: 0,
    lostOnClaim: 0,
    lastBatchMs: null as number | null,
    lastBatchSize: 0,
  };
  private lastProgress = { lag: null as number | null, pending: 0 };
  private stopObserving = (): void => undefined;

  constructor(options: AuditWorkerOptions) {
    const name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.options = resolveOptions(options, name);
    this.consumer = new AuditStreamConsumer(options.redisUrl, {
      prefix: options.prefix,
      consumer: this.options.consumerName,
      group: this.options.group,
    });
    this.current = {
      state: 'idle',
      consumer: this.options.consumerName,
      lastError: null,
      consecutiveFailures: 0,
    };
  }

  get processed(): number {
    return this.counters.processed;
  }

  get deadLettered(): number {
    return this.counters.deadLettered;
  }

  get lastBatchMs(): number | null {
    return this.counters.lastBatchMs;
  }

  status(): AuditWorkerStatus {
    return { ...this.current };
  }

  /** Counters plus the group's lag and pending count (last known values if Redis is down). */
  async metrics(): Promise<AuditWorkerMetrics> {
    try {
      const progress = await this.consumer.progress();
      this.lastProgress = { lag: progress.lag, pending: progress.pending };
    } catch {
      // Keep the last known values; status() reports the Redis failure.
    }
    return { ...this.counters, ...this.lastProgress };
  }

  async start(): Promise<void> {
    if (this.loop) return;
    await this.consumer.ensureGroup();
    this.current.state = 'running';
    this.observeStream();
    this.loop = this.run();
    const every = this.options.retentionIntervalMs;
    if (every > 0) {
      this.retentionTimer = setInterval(() => void this.scheduledRetention(every), every);
      this.retentionTimer.unref();
    }
  }

  /** Finishes the batch in hand (one more write attempt at most), then closes connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.current.state = 'stopping';
    this.stopObserving();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.wake?.();
    await this.loop;
    await this.consumer.close();
    this.current.state = 'stopped';
  }

  /** Dies on the spot: connections dropped, nothing acknowledged (tests, crash drills). */
  async kill(): Promise<void> {
    this.killed = true;
    this.stopping = true;
    this.stopObserving();
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.consumer.disconnect();
    this.wake?.();
    await this.loop?.catch(() => undefined);
    this.current.state = 'stopped';
  }

  /** Deletes events past each tenant's settings.retentionDays (see audit-retention.ts). */
  runRetention(now: Date = new Date()): Promise<RetentionResult> {
    return runRetention(this.options.repositories, now);
  }

  private async scheduledRetention(everyMs: number): Promise<void> {
    try {
      // One worker per interval does the deleting; the others skip.
      if (!(await this.consumer.tryLock('retention-lock', Math.max(1000, everyMs - 60_000))))
        return;
      const result = await this.runRetention();
      this.options.logger?.info(result, 'audit retention done');
    } catch (error) {
      this.options.logger?.error(
        { err: error },
        'audit retention failed; retrying at the next run',
      );
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const entries = await this.nextBatch();
        if (entries.length > 0) await this.process(entries);
        await this.maybeTrim();
      } catch (error) {
        if (this.killed) return;
        await this.failed(error);
      }
    }
  }

  private async nextBatch(): Promise<StreamEntry[]> {
    const { batchSize, batchMaxWaitMs, claimMinIdleMs, claimIntervalMs } = this.options;
    if (Date.now() >= this.nextClaimAt) {
      const claimed = await this.consumer.claimIdle(claimMinIdleMs, batchSize, this.claimCursor);
      this.claimCursor = claimed.cursor;
      if (claimed.cursor === '0-0') this.nextClaimAt = Date.now() + claimIntervalMs;
      if (claimed.deletedIds.length > 0) {
        this.counters.lostOnClaim += claimed.deletedIds.length;
        this.options.logger?.error(
          { ids: claimed.deletedIds },
          'pending audit entries were deleted from the stream',
        );
      }
      if (claimed.entries.length > 0) return claimed.entries;
    }
    const batch = await this.consumer.readNew(batchSize, batchMaxWaitMs);
    const deadline = Date.now() + batchMaxWaitMs;
    let last = batch.length;
    while (batch.length > 0 && batch.length < batchSize && !this.stopping) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      // A trickle (one call at a time) would otherwise cost a blocking read, a Redis round
      // trip and a wake-up of this process per event: let a few milliseconds of events gather
      // first. Under load reads come back large and never wait here.
      if (last < TRICKLE_READ) await sleep(Math.min(left, TRICKLE_LINGER_MS));
      const more = await this.consumer.readNew(
        batchSize - batch.length,
        Math.max(1, deadline - Date.now()),
      );
      if (more.length === 0) break;
      last = more.length;
      batch.push(...more);
    }
    return batch;
  }

  /** Lag and pending count of the consumer group, read when metrics are collected. */
  private observeStream(): void {
    const { auditStreamLag, auditStreamPending } = gatehouseMetrics();
    const observeLag: ObservableCallback = async (result) => {
      const { lag } = await this.metrics();
      if (lag !== null) result.observe(lag);
    };
    const observePending: ObservableCallback = async (result) => {
      result.observe((await this.metrics()).pending);
    };
    auditStreamLag.addCallback(observeLag);
    auditStreamPending.addCallback(observePending);
    this.stopObserving = () => {
      auditStreamLag.removeCallback(observeLag);
      auditStreamPending.removeCallback(observePending);
    };
  }

  /**
   * One span per batch, in a trace of its own, linked to the gateway request of every event in
   * it: from a tool call's trace, "where did its audit event go" is one click.
   */
  private async process(entries: StreamEntry[]): Promise<void> {
    const items: Item[] = [];
    const dead: DeadLetter[] = [];
    for (const entry of entries) {
      const parsed = parseAuditEventJson(entry.payload);
      // ok means there was a payload, and it is the JSON text of a valid event (or one whose
      // over-long text fields were truncated: that one is stored as fitted).
      if (parsed.ok) {
        const payload = parsed.fitted ? JSON.stringify(parsed.event) : (entry.payload as string);
        items.push({ entry, event: parsed.event, payload });
      } else dead.push({ entry, reason: parsed.reason });
    }
    const links = items
      .map(({ event }) => linkTo(event.traceId, event.spanId))
      .filter((link): link is Link => link !== undefined);
    await withSpan(
      'audit.batch',
      { 'messaging.system': 'redis', 'messaging.batch.message_count': entries.length },
      () => this.store(items, dead, entries.length),
      { kind: SpanKind.CONSUMER, links, root: true },
    );
  }

  private async store(items: Item[], dead: DeadLetter[], batchSize: number): Promise<void> {
    for (;;) {
      const started = Date.now();
      try {
        const { rejected } = await writeAuditBatch(
          this.options.store ?? this.options.repositories.auditEvents,
          items,
        );
        const refused = new Set(rejected.map((r) => r.item.entry.streamId));
        const letters = [
          ...dead,
          ...rejected.map((r) => ({ entry: r.item.entry, reason: r.reason })),
        ];
        const stored = items
          .filter((i) => !refused.has(i.entry.streamId))
          .map((i) => i.entry.streamId);
        if (letters.length > 0) await this.consumer.deadLetterAndAck(letters, stored);
        else await this.consumer.ack(stored);
        this.counters.processed += stored.length;
        this.counters.deadLettered += letters.length;
        this.counters.lastBatchMs = Date.now() - started;
        this.counters.lastBatchSize = batchSize;
        gatehouseMetrics().auditEventsStored.add(stored.length);
        gatehouseMetrics().auditDeadLetters.add(letters.length);
        this.healthy();
        return;
      } catch (error) {
        // Not acknowledged: the entries stay pending for this consumer (or whoever claims them).
        if (this.killed) return;
        await this.failed(error);
        if (this.stopping) return;
      }
    }
  }

  private async maybeTrim(): Promise<void> {
    if (Date.now() < this.nextTrimAt) return;
    this.nextTrimAt = Date.now() + this.options.trimIntervalMs;
    await this.consumer.trimAcknowledged(this.options.streamMaxLen);
  }

  private healthy(): void {
    if (this.current.state === 'degraded') {
      this.options.logger?.info(
        { after: this.current.consecutiveFailures },
        'audit worker recovered',
      );
      this.current.state = 'running';
    }
    this.current.consecutiveFailures = 0;
    this.current.lastError = null;
  }

  private async failed(error: unknown): Promise<void> {
    this.current.consecutiveFailures += 1;
    this.current.lastError = { message: message(error), at: new Date().toISOString() };
    if (!this.stopping) this.current.state = 'degraded';
    const { retryBaseMs, retryMaxMs } = this.options;
    const delay = Math.min(retryBaseMs * 2 ** (this.current.consecutiveFailures - 1), retryMaxMs);
    this.options.logger?.warn({ err: error, retryInMs: delay }, 'audit worker degraded; retrying');
    if (this.stopping) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }
}
