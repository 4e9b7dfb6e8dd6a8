import type { RedisConnection as Redis } from '@gatehouse/session-store';

/** What oidc-provider stores per model instance (codes, tokens, grants, sessions, clients). */
export interface StoredPayload {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
  [key: string]: unknown;
}

/** Models whose instances belong to a grant and go when it is revoked. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/**
 * oidc-provider's storage in Redis, so that every replica serves every step of a flow: one
 * hash per instance (`payload`, and `consumed` set atomically by HSET), an index from a grant to
 * its tokens (revoking a grant deletes them all), and lookups by interaction uid and user code.
 */
export class RedisAdapter {
  constructor(
    private readonly model: string,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}oauth:${this.model}:${id}`;
  }

  private grantKey(grantId: string): string {
    return `${this.prefix}oauth:grant-index:${grantId}`;
  }

  async upsert(id: string, payload: StoredPayload, expiresIn: number): Promise<void> {
    const key = this.key(id);
    const tx = this.redis.multi().del(key).hset(key, 'payload', JSON.stringify(payload));
    if (expiresIn > 0) tx.expire(key, expiresIn);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      const index = this.grantKey(payload.grantId);
      tx.rpush(index, key);
      if (expiresIn > 0) {
        // The index lives as long as its longest-lived member.
        tx.expire(index, expiresIn, 'GT');
        tx.expire(index, expiresIn, 'NX');
      }
    }
    if (payload.userCode) tx.set(this.key(`user-code:${payload.userCode}`), id, 'EX', expiresIn);
    if (payload.uid) tx.set(this.key(`uid:${payload.uid}`), id, 'EX', expiresIn);
    await tx.exec();
  }

  async find(id: string): Promise<StoredPayload | undefined> {
    const stored = await this.redis.hgetall(this.key(id));
    if (!stored['payload']) return undefined;
    const payload = JSON.parse(stored['payload']) as StoredPayload;
    return stored['consumed'] ? { ...payload, consumed: Number(stored['consumed']) } : payload;
  }

  async findByUid(uid: string): Promise<StoredPayload | undefined> {
    const id = await this.redis.get(this.key(`uid:${uid}`));
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<StoredPayload | undefined> {
    const id = await this.redis.get(this.key(`user-code:${userCode}`));
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    await this.redis.hset(this.key(id), 'consumed', Math.floor(Date.now() / 1000));
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const index = this.grantKey(grantId);
    const keys = await this.redis.lrange(index, 0, -1);
    await this.redis.del(...keys, index);
  }
}
