import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { SecretBox } from '@gatehouse/auth';
import type { RedisConnection as Redis } from '@gatehouse/session-store';

export interface SigningJwk {
  kty: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
  [field: string]: unknown;
}

/**
 * The authorization server's signing key, shared by every replica: the first replica to start
 * generates it and stores it sealed with the installation's encryption key (like upstream
 * credentials); the others read that one. SET NX settles a race between two first starts.
 */
export async function loadSigningKey(
  redis: Redis,
  prefix: string,
  secrets: SecretBox,
): Promise<SigningJwk> {
  const key = `${prefix}oauth:signing-key`;
  const existing = await redis.get(key);
  if (!existing) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk: SigningJwk = {
      ...privateKey.export({ format: 'jwk' }),
      kty: 'RSA',
      kid: randomUUID(),
      alg: 'RS256',
      use: 'sig',
    };
    await redis.set(key, secrets.seal(JSON.stringify(jwk)), 'NX');
  }
  const sealed = await redis.get(key);
  if (!sealed) throw new Error('the signing key vanished from Redis');
  return JSON.parse(secrets.open(sealed)) as SigningJwk;
}
