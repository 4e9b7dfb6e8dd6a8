import { Redis } from 'ioredis';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { startHostileUpstream, type HostileUpstream } from '../support/hostile-upstream';
import { rawMcp, initializeBody } from '../support/raw-mcp';
import {
  describeMemory,
  eventually,
  memoryProbeEnv,
  metricValue,
  sampleMemory,
} from '../support/process-memory';

const SESSIONS = Number(process.env['FAULTS_IDLE_SESSIONS'] ?? 10_000);
const TTL_SECONDS = 30;
const CONCURRENCY = 100;

/**
 * 10,000 sessions initialized and never used again: the idle TTL must reclaim all of them, in
 * Redis (no session key left behind, the tenant index pruned) and in the gateway's memory.
 */
describe('fault: 10,000 sessions created and abandoned', () => {
  let h: GatewayHarness;
  let upstream: HostileUpstream;
  let gw: GatewayProcess;
  let redis: Redis;
  let token: string;
  let tenantId: string;

  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 0 });
    const repos = h.runtimes[0]!.repos;
    // A tenant with one light upstream (a plain HTTP server, not an SDK server per session), so
    // that 10,000 initializes exercise the gateway (and store an upstream session each), not the
    // test's fixtures.
    const tenant = await repos.tenants.create({
      slug: `idle-${Date.now().toString(36)}`,
      name: 'Idle sessions',
    });
    tenantId = tenant.id;
    upstream = await startHostileUpstream();
    await repos.upstreams.create(tenant.id, { slug: 'light', name: 'light', url: upstream.url });
    token = (await h.addCaller(['member'], ['mcp:call'], tenant.id)).token;
    gw = await startGatewayProcess({
      ...h.env,
      ...memoryProbeEnv(),
      SESSION_IDLE_TTL_SECONDS: String(TTL_SECONDS),
    });
    redis = new Redis(h.env['REDIS_URL']!);
  }, 120_000);

  afterAll(async () => {
    gw?.child.kill('SIGKILL');
    redis?.disconnect();
    await upstream?.close();
    await h?.close();
  }, 60_000);

  async function sessionKeys(): Promise<number> {
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${h.env['REDIS_KEY_PREFIX']}session:*`,
        'COUNT',
        5_000,
      );
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  }

  it('reclaims every session by TTL: Redis keys gone, tenant index pruned, gateway memory back', async () => {
    // Warm-up session (JIT, pools), then the baseline.
    await rawMcp(gw.url, initializeBody(), { token });
    const before = await sampleMemory(gw);
    const keysBefore = await sessionKeys();
    const gaugeBefore = await metricValue(gw.url, 'gatehouse_sessions_active');

    const started = performance.now();
    let created = 0;
    let failed = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SESSIONS) {
          next++;
          const answer = await rawMcp(gw.url, initializeBody(), { token });
          if (answer.status === 200 && answer.headers.get('mcp-session-id')) created++;
          else failed++;
        }
      }),
    );
    const createSeconds = (performance.now() - started) / 1000;
    const peak = await sampleMemory(gw);
    const keysAfterCreate = await sessionKeys();
    const indexAfterCreate = await redis.zcard(
      `${h.env['REDIS_KEY_PREFIX']}tenant-sessions:${tenantId}`,
    );
    const gaugeAfterCreate = await metricValue(gw.url, 'gatehouse_sessions_active');

    const waitStarted = performance.now();
    await eventually(
      'every session key expired',
      async () => (await sessionKeys()) === 0,
      120_000,
      1_000,
    );
    const reclaimSeconds = (performance.now() - waitStarted) / 1000;
    const gaugeAfterTtl = await metricValue(gw.url, 'gatehouse_sessions_active');
    // One new session prunes the tenant index of every expired entry.
    const fresh = await rawMcp(gw.url, initializeBody(), { token });
    expect(fresh.status).toBe(200);
    const indexAfterTtl = await redis.zcard(
      `${h.env['REDIS_KEY_PREFIX']}tenant-sessions:${tenantId}`,
    );
    // Let the session cache's copies age out (SESSION_CACHE_MS) before measuring.
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await sampleMemory(gw);

    process.stdout.write(
      [
        `client-idle-sessions: created ${created}/${SESSIONS} (failed ${failed}) in ${createSeconds.toFixed(1)} s (${Math.round(created / createSeconds)}/s, ${CONCURRENCY} at a time), SESSION_IDLE_TTL_SECONDS=${TTL_SECONDS}`,
        `  Redis session keys: ${keysBefore} before, ${keysAfterCreate} after creating, 0 after ${reclaimSeconds.toFixed(1)} s more; tenant index ${indexAfterCreate} entries → ${indexAfterTtl} after the next initialize (prunes entries last seen > TTL + 60 s ago), index key TTL ${await redis.ttl(`${h.env['REDIS_KEY_PREFIX']}tenant-sessions:${tenantId}`)} s`,
        `  gatehouse_sessions_active: ${gaugeBefore} before, ${gaugeAfterCreate} after creating, ${gaugeAfterTtl} after every session expired`,
        `  memory: ${describeMemory(before, peak, after)}`,
        '',
      ].join('\n'),
    );
    expect(created).toBe(SESSIONS);
    expect(failed).toBe(0);
    // The index no longer keeps expired sessions forever: pruned by each new session (entries
    // last seen more than TTL + 1 min ago) and expiring with its newest session.
    const indexTtl = await redis.ttl(`${h.env['REDIS_KEY_PREFIX']}tenant-sessions:${tenantId}`);
    expect(indexTtl).toBeGreaterThan(0);
    expect(indexTtl).toBeLessThanOrEqual(TTL_SECONDS + 60);
    // The live-session gauge counts the store's live sessions: expired ones leave it.
    expect(gaugeAfterCreate).toBeGreaterThanOrEqual(SESSIONS);
    expect(gaugeAfterTtl).toBe(0);
    // Memory back: what 10,000 sessions cost is returned once they expire.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(20 * 1024 * 1024);
    expect(gw.child.exitCode).toBeNull();
  });
});
