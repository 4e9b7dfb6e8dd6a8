import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateToken,
  JwtAccessTokenVerifier,
  JwtIdentityResolver,
  TokenIdentityResolver,
  type TokenWithOwner,
} from '@gatehouse/auth';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { RedisSessionStore } from '@gatehouse/session-store';
import { percentile } from './load';
import { ROOT } from './processes';

export interface MicroRow {
  operation: string;
  iterations: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Times an async operation one call at a time (as the request path awaits it) after warm-up. */
async function timeAsync(
  operation: string,
  iterations: number,
  run: () => Promise<unknown>,
): Promise<MicroRow> {
  for (let i = 0; i < Math.min(iterations, 5_000); i++) await run();
  const samples = new Float64Array(iterations);
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const meanMicros = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  samples.sort();
  return {
    operation,
    iterations,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    mean: meanMicros,
  };
}

/** Warm token cache: hash check + Map hit + status checks + identity object (no I/O). */
export async function benchTokenCacheHit(iterations: number): Promise<MicroRow> {
  const token = generateToken();
  const record: TokenWithOwner = {
    token: {
      id: 'tok-1',
      tenantId: 'ten-1',
      personId: 'per-1',
      scopes: ['mcp:call'],
      expiresAt: null,
      revokedAt: null,
    },
    person: { id: 'per-1', email: 'bench@example.com', roles: ['admin'], status: 'active' },
    tenant: { id: 'ten-1', slug: 'bench', status: 'active' },
  };
  const resolver = new TokenIdentityResolver(
    async () => record,
    async () => undefined,
  );
  await resolver.resolveBearer(token.secret);
  const row = await timeAsync('TokenIdentityResolver.resolveBearer (warm cache)', iterations, () =>
    resolver.resolveBearer(token.secret),
  );
  if (resolver.misses !== 1) throw new Error(`expected one cache miss, saw ${resolver.misses}`);
  return row;
}

/**
 * A JWT access token on the warm path: RS256 (2048-bit) signature check with the JWKS already
 * fetched, iss/aud/exp checks, the cached claim -> person mapping, the identity object (no I/O).
 */
export async function benchJwtWarm(iterations: number): Promise<MicroRow> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] });
  const server = createServer((_, response) => response.end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = 'https://idp.example.com';
  try {
    const resolver = new JwtIdentityResolver(
      new JwtAccessTokenVerifier({
        issuers: [
          { issuer, jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` },
        ],
        audiences: ['https://gw.example.com/mcp'],
      }),
      async () => [
        {
          id: 'per-1',
          email: 'bench@example.com',
          roles: ['admin'],
          tenant: { id: 'ten-1', slug: 'b' },
        },
      ],
      { personClaim: 'email' },
    );
    const jwt = await new SignJWT({ email: 'bench@example.com', scope: 'mcp:call', client_id: 'c' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('https://gw.example.com/mcp')
      .setExpirationTime('1h')
      .sign(privateKey);
    return await timeAsync(
      'JwtIdentityResolver.resolveBearer (RS256, warm JWKS and person)',
      iterations,
      () => resolver.resolveBearer(jwt),
    );
  } finally {
    server.close();
  }
}

/** RedisSessionStore.get of a real session the gateway created (one HGETALL + JSON parse). */
export async function benchSessionLoad(
  redisUrl: string,
  prefix: string,
  sessionId: string,
  iterations: number,
): Promise<MicroRow> {
  const redis = new Redis(redisUrl);
  try {
    const store = new RedisSessionStore(redis, prefix);
    const session = await store.get(sessionId);
    if (!session) throw new Error(`session ${sessionId} not found under ${prefix}`);
    return await timeAsync('RedisSessionStore.get (HGETALL, local Redis)', iterations, () =>
      store.get(sessionId),
    );
  } finally {
    redis.disconnect();
  }
}

/** Runs bench/policy.bench.ts (200 rules) in its own process and returns its output. */
export function runPolicyBench(iterations: number): string {
  return execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
      '--tsconfig',
      join(ROOT, 'tsconfig.base.json'),
      join(ROOT, 'bench/policy.bench.ts'),
      String(iterations),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
}
