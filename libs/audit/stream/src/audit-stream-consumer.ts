import {
  asTopology,
  createRedisClient,
  type RedisClient,
  type RedisTopology,
} from '@gatehouse/config';
import type { RedisOptions } from 'ioredis';
import {
  auditStreamKeys,
  compareStreamIds,
  DEFAULT_CONSUMER_GROUP,
  type AuditStreamKeys,
} from './audit-stream-keys';
import {
  asArray,
  asString,
  parseEntries,
  parseFlatRecord,
  parseReadGroup,
  type StreamEntry,
} from './stream-replies';

export interface AuditStreamConsumerOptions {
  prefix: string;
  /** Consumer name, unique per worker process. */
  consumer: string;
  group?: string;
  redisOptions?: RedisOptions;
}

export interface GroupProgress {
  /** Entries delivered to no consumer yet (Redis ≥ 7 `lag`; null when Redis cannot tell). */
  lag: number | null;
  /** Entries delivered but not acknowledged. */
  pending: number;
  lastDeliveredId: string;
}

export interface DeadLetter {
  entry: StreamEntry;
  reason: string;
}

/**
 * The audit-service's side of the stream: consumer group reads, claims, acks, dead letters and
 * safe trimming. Two connections: blocking reads would otherwise hold up acks.
 */
export class AuditStreamConsumer {
  readonly keys: AuditStreamKeys;
  readonly group: string;
  readonly consumer: string;
  private readonly reader: RedisClient;
  private readonly commands: RedisClient;

  constructor(target: string | RedisTopology, options: AuditStreamConsumerOptions) {
    this.keys = auditStreamKeys(options.prefix);
    this.group = options.group ?? DEFAULT_CONSUMER_GROUP;
    this.consumer = options.consumer;
    const topology = asTopology(target);
    const settings = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.reader = createRedisClient(topology, 'audit-reader', settings);
    this.commands = createRedisClient(topology, 'audit-commands', settings);
    // Failures reach the worker through rejected commands; keep 'error' events from crashing.
    this.reader.on('error', () => undefined);
    this.commands.on('error', () => undefined);
  }

  /** Creates the group (reading from the first entry) and the stream if missing. */
  async ensureGroup(): Promise<void> {
    try {
      await this.commands.xgroup('CREATE', this.keys.stream, this.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  /** New entries for this consumer, waiting up to `blockMs` for the first one. */
  async readNew(count: number, blockMs: number): Promise<StreamEntry[]> {
    const reply = await this.reader.call(
      'XREADGROUP',
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.keys.stream,
      '>',
    );
    return parseReadGroup(reply);
  }

  /**
   * Takes over entries another consumer received but did not acknowledge for `minIdleMs`
   * (a dead or stuck worker). Returns the next cursor ('0-0' when the scan is complete).
   */
  async claimIdle(
    minIdleMs: number,
    count: number,
    cursor = '0-0',
  ): Promise<{ cursor: string; entries: StreamEntry[]; deletedIds: string[] }> {
    const reply = asArray(
      await this.commands.call(
        'XAUTOCLAIM',
        this.keys.stream,
        this.group,
        this.consumer,
        minIdleMs,
        cursor,
        'COUNT',
        count,
      ),
      'XAUTOCLAIM',
    );
    const [next, entries, deleted] = reply;
    return {
      cursor: asString(next, 'XAUTOCLAIM cursor'),
      entries: parseEntries(entries),
      deletedIds:
        deleted === undefined
          ? []
          : asArray(deleted, 'XAUTOCLAIM deleted').map((d) => asString(d, 'id')),
    };
  }

  async ack(streamIds: string[]): Promise<void> {
    if (streamIds.length > 0) await this.commands.xack(this.keys.stream, this.group, ...streamIds);
  }

  /** Copies entries to the dead-letter stream with their reason and acks them, in one MULTI. */
  async deadLetterAndAck(letters: DeadLetter[], alsoAck: string[] = []): Promise<void> {
    const tx = this.commands.multi();
    for (const { entry, reason } of letters) {
      tx.xadd(
        this.keys.dead,
        '*',
        'streamId',
        entry.streamId,
        'reason',
        reason,
        'payload',
        entry.payload ?? '',
        'consumer',
        this.consumer,
        'time',
        new Date().toISOString(),
      );
    }
    const ids = [...letters.map((l) => l.entry.streamId), ...alsoAck];
    if (ids.length > 0) tx.xack(this.keys.stream, this.group, ...ids);
    const results = await tx.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed?.[0]) throw failed[0];
  }

  async progress(): Promise<GroupProgress> {
    const groups = asArray(
      await this.commands.call('XINFO', 'GROUPS', this.keys.stream),
      'XINFO GROUPS',
    );
    for (const raw of groups) {
      const g = parseFlatRecord(raw);
      if (asString(g['name'], 'group name') !== this.group) continue;
      return {
        lag: typeof g['lag'] === 'number' ? g['lag'] : null,
        pending: Number(g['pending'] ?? 0),
        lastDeliveredId: asString(g['last-delivered-id'], 'last-delivered-id'),
      };
    }
    return { lag: null, pending: 0, lastDeliveredId: '0-0' };
  }

  /**
   * The id below which every entry is acknowledged by every group: a group's oldest pending
   * entry, else its last delivered id. Null when there is no group (nothing may be trimmed).
   */
  async safeTrimId(): Promise<string | null> {
    const groups = asArray(
      await this.commands.call('XINFO', 'GROUPS', this.keys.stream),
      'XINFO GROUPS',
    );
    let safe: string | null = null;
    for (const raw of groups) {
      const g = parseFlatRecord(raw);
      let bound = asString(g['last-delivered-id'], 'last-delivered-id');
      if (Number(g['pending'] ?? 0) > 0) {
        const summary = asArray(
          await this.commands.call('XPENDING', this.keys.stream, asString(g['name'], 'group name')),
          'XPENDING',
        );
        bound = asString(summary[1], 'XPENDING min id');
      }
      if (safe === null || compareStreamIds(bound, safe) < 0) safe = bound;
    }
    return safe;
  }

  /**
   * Trims acknowledged entries once the stream is longer than `maxLen`: XTRIM MINID ~ <safe
   * id>. MINID removes only ids below the bound and `~` only ever trims less, so an entry that
   * is pending or not yet delivered is never removed. Returns how many entries went.
   */
  async trimAcknowledged(maxLen: number): Promise<number> {
    if ((await this.commands.xlen(this.keys.stream)) <= maxLen) return 0;
    const safe = await this.safeTrimId();
    if (safe === null || safe === '0-0') return 0;
    return Number(await this.commands.call('XTRIM', this.keys.stream, 'MINID', '~', safe));
  }

  /** Takes `${prefix}audit:<name>` for ttlMs if nobody holds it (one retention run per day). */
  async tryLock(name: string, ttlMs: number): Promise<boolean> {
    const key = `${this.keys.stream}:${name}`;
    return (await this.commands.set(key, this.consumer, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.reader.quit(), this.commands.quit()]);
  }

  /** Drops the connections at once, acking nothing (tests: a worker that dies). */
  disconnect(): void {
    this.reader.disconnect();
    this.commands.disconnect();
  }
}
