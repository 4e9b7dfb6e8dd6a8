import type { RedisConnection } from './redis-connection';

/**
 * Revoked grants of Gatehouse's authorization server: one key per grant, kept while an access
 * token of that grant may still be alive (its value: until when, in ms), so that every
 * gateway replica, including one started later, can refuse those tokens.
 */
export class RedisRevokedGrantStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(grantId: string): string {
    return `${this.prefix}oauth:revoked-grant:${grantId}`;
  }

  async revoke(grantId: string, aliveForSeconds: number): Promise<void> {
    const until = Date.now() + aliveForSeconds * 1000;
    await this.redis.set(this.key(grantId), String(until), 'EX', aliveForSeconds + 60);
  }

  async get(grantId: string): Promise<number | null> {
    const value = await this.redis.get(this.key(grantId));
    return value === null ? null : Number(value);
  }

  async list(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const start = this.key('');
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${start}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.redis.mget(...keys);
      keys.forEach((key, i) => {
        const value = values[i];
        if (value) found.set(key.slice(start.length), Number(value));
      });
    } while (cursor !== '0');
    return found;
  }
}
