import type { RedisConnection } from './redis-connection';

/**
 * A change to the in-flight call table that rides along with an event-log append, in the same
 * MULTI (no extra round trip): `record` upserts the call's entry (owned by `owner`), `remove`
 * deletes it (the call's final response was just logged).
 */
export type InflightWrite =
  { field: string; owner: string; record: string } | { field: string; remove: true };

/** One in-flight call as stored: who relays it, and the caller's opaque record (JSON). */
export interface InflightEntry {
  field: string;
  owner: string;
  record: string;
}

/**
 * Calls being relayed right now whose client stream is an SSE stream, so that another replica
 * can finish a call whose replica died; and one liveness key per replica. Entries are written
 * by the event log's append (see InflightWrite); this port reads, claims and removes them.
 */
export interface InflightCallStore {
  /** Marks the replica alive for `ttlMs` (called every heartbeat). */
  heartbeat(replicaId: string, ttlMs: number): Promise<void>;
  /** The replica is leaving: its calls may be taken over at once. */
  retire(replicaId: string): Promise<void>;
  list(): Promise<InflightEntry[]>;
  /** Which of these replicas are alive. */
  alive(replicaIds: string[]): Promise<Set<string>>;
  /** Atomically moves the entry from `from` to `to`; false if it moved or vanished meanwhile. */
  claim(field: string, from: string, to: string): Promise<boolean>;
  remove(field: string): Promise<void>;
}

/** The hash holding every in-flight call of a deployment (one field per call). */
export function inflightKey(prefix: string): string {
  return `${prefix}inflight:calls`;
}

/** The stored value: owner, newline, record (so a claim is a prefix check in Lua, no JSON). */
export function encodeInflight(owner: string, record: string): string {
  return `${owner}\n${record}`;
}

function decodeInflight(field: string, value: string): InflightEntry | undefined {
  const at = value.indexOf('\n');
  if (at <= 0) return undefined;
  return { field, owner: value.slice(0, at), record: value.slice(at + 1) };
}

const CLAIM = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return 0 end
local prefix = ARGV[2] .. '\\n'
if string.sub(value, 1, #prefix) ~= prefix then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. '\\n' .. string.sub(value, #prefix + 1))
return 1
`;

export class RedisInflightCallStore implements InflightCallStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private aliveKey(replicaId: string): string {
    return `${this.prefix}replica:${replicaId}:alive`;
  }

  async heartbeat(replicaId: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.aliveKey(replicaId), '1', 'PX', ttlMs);
  }

  async retire(replicaId: string): Promise<void> {
    await this.redis.del(this.aliveKey(replicaId));
  }

  async list(): Promise<InflightEntry[]> {
    const all = await this.redis.hgetall(inflightKey(this.prefix));
    return Object.entries(all).flatMap(([field, value]) => decodeInflight(field, value) ?? []);
  }

  async alive(replicaIds: string[]): Promise<Set<string>> {
    if (replicaIds.length === 0) return new Set();
    const values = await this.redis.mget(replicaIds.map((id) => this.aliveKey(id)));
    return new Set(replicaIds.filter((_, i) => values[i] !== null));
  }

  async claim(field: string, from: string, to: string): Promise<boolean> {
    const moved = await this.redis.eval(CLAIM, 1, inflightKey(this.prefix), field, from, to);
    return moved === 1;
  }

  async remove(field: string): Promise<void> {
    await this.redis.hdel(inflightKey(this.prefix), field);
  }
}
