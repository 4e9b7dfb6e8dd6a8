/** Redis keys of the audit pipeline, under the installation's REDIS_KEY_PREFIX. */
export interface AuditStreamKeys {
  /** The stream the gateway appends to and the audit-service reads. */
  stream: string;
  /** Dead letters: entries that failed validation or that Postgres refused, with the reason. */
  dead: string;
}

export const DEFAULT_CONSUMER_GROUP = 'audit-service';

export function auditStreamKeys(prefix: string): AuditStreamKeys {
  return { stream: `${prefix}audit`, dead: `${prefix}audit:dead` };
}

/** Field of a stream entry that holds the event's JSON. */
export const EVENT_FIELD = 'event';

/** Compares two stream ids (`<ms>-<seq>`) numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(as) - BigInt(bs);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
