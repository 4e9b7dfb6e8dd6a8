import { generateToken } from '@gatehouse/auth';
import {
  createPrismaClient,
  createRepositories,
  createTestDatabase,
  type TestDatabase,
} from '@gatehouse/data-access';
import { GatewayHttpError } from '@gatehouse/gateway-core';
import { RedisConfigSnapshotStore, connectRedis } from '@gatehouse/session-store';
import { createLogger } from '@gatehouse/telemetry';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { ConfigSnapshotFallback, withConfigSnapshotFallback } from './config-snapshot-fallback';
import { ConfigSnapshotWriter } from './config-snapshot-writer';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const logger = createLogger('test', 'error', new Writable({ write: (_c, _e, done) => done() }));

/**
 * The writer reads a real Postgres database; the fallback repositories run on a Prisma client
 * whose Postgres does not answer (a closed port), as a replica started during an outage.
 */
describe('config snapshot: repositories falling back to Redis when Postgres does not answer', () => {
  let db: TestDatabase;
  const redis = connectRedis(REDIS_URL, 'snapshot-int-spec');
  const prefix = `test:${randomUUID()}:`;
  const store = new RedisConfigSnapshotStore(redis, prefix);
  const unreachable = createPrismaClient({
    databaseUrl: 'postgres://postgres@127.0.0.1:1/none',
    connectTimeoutMs: 2_000,
  });
  const cold = () => createRepositories(unreachable);

  beforeAll(async () => {
    db = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await unreachable.$disconnect();
    await db?.drop();
  });

  async function seed() {
    const repos = createRepositories(db.prisma);
    const tenant = await repos.tenants.create({ slug: `t-${randomUUID()}`, name: 'Acme' });
    const alice = await repos.people.create(tenant.id, {
      email: `alice-${randomUUID()}@acme.test`,
      name: 'Alice',
      roles: ['member'],
    });
    const live = generateToken();
    const gone = generateToken();
    await repos.tokens.create(tenant.id, {
      personId: alice.id,
      name: 'live',
      prefix: live.displayPrefix,
      hash: live.hash,
      scopes: ['mcp:call'],
      expiresAt: new Date('2099-01-01T00:00:00Z'),
    });
    const revoked = await repos.tokens.create(tenant.id, {
      personId: alice.id,
      name: 'gone',
      prefix: gone.displayPrefix,
      hash: gone.hash,
      scopes: ['mcp:call'],
    });
    await repos.tokens.revoke(tenant.id, revoked.id);
    const upstream = await repos.upstreams.create(tenant.id, {
      slug: 'alpha',
      name: 'Alpha',
      url: 'http://127.0.0.1:9/mcp',
      credentials: 'ciphertext-as-stored',
    });
    await repos.policies.create(tenant.id, {
      name: 'everyone',
      effect: 'allow',
      subjects: ['*'],
      targets: [{ upstream: '*', tool: '*' }],
    });
    await repos.limits.put(tenant.id, { rules: [] });
    return { repos, tenant, alice, live, gone, upstream };
  }

  it('serves tokens (revoked ones marked), people, the tenant, upstreams, policies and limits from the snapshot', async () => {
    const { repos, tenant, alice, live, gone, upstream } = await seed();
    const writer = new ConfigSnapshotWriter(repos, store, logger, { refreshMs: 60_000 });
    expect(await writer.refresh(tenant.id)).toBe(true);

    const fallback = new ConfigSnapshotFallback(store, logger, 60_000);
    const r = withConfigSnapshotFallback(cold(), fallback);
    const token = await r.tokens.findByHash(live.hash);
    expect(token).toMatchObject({ tenantId: tenant.id, personId: alice.id, revokedAt: null });
    expect(token?.expiresAt).toEqual(new Date('2099-01-01T00:00:00Z'));
    expect((await r.tokens.findByHash(gone.hash))?.revokedAt).toBeInstanceOf(Date);
    expect(await r.tokens.findByHash(generateToken().hash)).toBeNull();
    expect(await r.people.findById(tenant.id, alice.id)).toMatchObject({ email: alice.email });
    expect(await r.tenants.findByIdOrSlug(tenant.slug)).toMatchObject({ id: tenant.id });
    // The JWT person mapping (issue 27) reads people by email: the same fallback.
    expect(await r.people.findByEmailInActiveTenants(alice.email.toUpperCase())).toEqual([
      expect.objectContaining({ id: alice.id, tenant: { id: tenant.id, slug: tenant.slug } }),
    ]);
    expect(await r.people.findByEmail(tenant.id, alice.email)).toMatchObject({ id: alice.id });
    expect(await r.upstreams.listEnabled(tenant.id)).toEqual([
      expect.objectContaining({ id: upstream.id, credentials: 'ciphertext-as-stored' }),
    ]);
    expect((await r.policies.list(tenant.id)).map((p) => p.name)).toEqual(['everyone']);
    expect((await r.limits.current(tenant.id))?.document).toEqual({ rules: [] });
    expect(fallback.servedLately()).toMatchObject({ tenantId: tenant.id });
  }, 60_000);

  it('refuses with 503 config_snapshot_too_old past the max age, and config_snapshot_missing for an unknown tenant', async () => {
    const { repos, tenant, live } = await seed();
    await new ConfigSnapshotWriter(repos, store, logger, { refreshMs: 60_000 }).refresh(tenant.id);
    await new Promise((r) => setTimeout(r, 50));
    const strict = withConfigSnapshotFallback(
      cold(),
      new ConfigSnapshotFallback(store, logger, 10),
    );
    const tooOld = await strict.tokens.findByHash(live.hash).catch((e: unknown) => e);
    expect(tooOld).toBeInstanceOf(GatewayHttpError);
    expect(tooOld).toMatchObject({ status: 503, reason: 'config_snapshot_too_old' });
    const lenient = withConfigSnapshotFallback(
      cold(),
      new ConfigSnapshotFallback(store, logger, 60_000),
    );
    await expect(lenient.upstreams.listEnabled(randomUUID())).rejects.toMatchObject({
      status: 503,
      reason: 'config_snapshot_missing',
    });
  }, 60_000);

  it('keeps a revocation made after an earlier snapshot once the writer runs again', async () => {
    const { repos, tenant, live } = await seed();
    const writer = new ConfigSnapshotWriter(repos, store, logger, { refreshMs: 60_000 });
    await writer.refresh(tenant.id);
    const row = await repos.tokens.findByHash(live.hash);
    await repos.tokens.revoke(tenant.id, row?.id ?? 'none');
    await writer.refresh(tenant.id);
    const r = withConfigSnapshotFallback(cold(), new ConfigSnapshotFallback(store, logger, 60_000));
    expect((await r.tokens.findByHash(live.hash))?.revokedAt).toBeInstanceOf(Date);
  }, 60_000);
});
