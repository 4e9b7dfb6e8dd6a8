import { randomUUID } from 'node:crypto';
import { SecretBox } from '@gatehouse/auth';
import { connectRedis } from '@gatehouse/session-store';
import { RedisAdapter } from './redis-adapter';
import { loadSigningKey } from './signing-key';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('the authorization server state in Redis (two replicas)', () => {
  // Two connections: two replicas of the authorization server.
  const redisA = connectRedis(REDIS_URL, 'as-test-a');
  const redisB = connectRedis(REDIS_URL, 'as-test-b');
  const prefix = `test:${randomUUID()}:`;
  afterAll(async () => {
    const keys = await redisA.keys(`${prefix}*`);
    if (keys.length > 0) await redisA.del(...keys);
    redisA.disconnect();
    redisB.disconnect();
  });

  it('finds on one replica what the other stored, by id and by interaction uid, until it expires', async () => {
    const a = new RedisAdapter('Interaction', redisA, prefix);
    const b = new RedisAdapter('Interaction', redisB, prefix);
    await a.upsert('i1', { uid: 'u1', params: { client_id: 'c' } }, 60);
    expect(await b.find('i1')).toEqual({ uid: 'u1', params: { client_id: 'c' } });
    expect(await b.findByUid('u1')).toEqual({ uid: 'u1', params: { client_id: 'c' } });
    expect(await redisA.ttl(`${prefix}oauth:Interaction:i1`)).toBeGreaterThan(0);
    await b.destroy('i1');
    expect(await a.find('i1')).toBeUndefined();
    expect(await a.find('never')).toBeUndefined();
  });

  it('marks a code consumed for every replica (a second use is detected)', async () => {
    const a = new RedisAdapter('AuthorizationCode', redisA, prefix);
    const b = new RedisAdapter('AuthorizationCode', redisB, prefix);
    await a.upsert('code1', { grantId: 'g1', accountId: 'x' }, 60);
    await b.consume('code1');
    expect((await a.find('code1'))?.consumed).toEqual(expect.any(Number));
  });

  it('revokes every token of a grant at once, whatever model and replica stored it', async () => {
    const codes = new RedisAdapter('AuthorizationCode', redisA, prefix);
    const refresh = new RedisAdapter('RefreshToken', redisB, prefix);
    const other = new RedisAdapter('RefreshToken', redisA, prefix);
    await codes.upsert('c2', { grantId: 'g2' }, 60);
    await refresh.upsert('r2', { grantId: 'g2' }, 3600);
    await other.upsert('r3', { grantId: 'g3' }, 3600);
    await new RedisAdapter('RefreshToken', redisB, prefix).revokeByGrantId('g2');
    expect(await codes.find('c2')).toBeUndefined();
    expect(await refresh.find('r2')).toBeUndefined();
    expect(await other.find('r3')).toEqual({ grantId: 'g3' });
  });

  it('shares one signing key between replicas, stored sealed (never the key in clear)', async () => {
    const box = new SecretBox(Buffer.alloc(32, 7).toString('base64'));
    const [keyA, keyB] = await Promise.all([
      loadSigningKey(redisA, prefix, box),
      loadSigningKey(redisB, prefix, box),
    ]);
    expect(keyA).toEqual(keyB);
    expect(keyA).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    const stored = (await redisA.get(`${prefix}oauth:signing-key`)) ?? '';
    expect(stored.startsWith('v1.')).toBe(true);
    expect(stored).not.toContain(String(keyA['d']));
    const otherKey = new SecretBox(Buffer.alloc(32, 8).toString('base64'));
    await expect(loadSigningKey(redisA, prefix, otherKey)).rejects.toThrow();
  });
});
