/**
 * What the tools/call limiter costs per call. One in-process gateway replica (real Redis,
 * Postgres and a fixture upstream, as the e2e harness starts them) serves two tenants: one with
 * limits (a per-person rate, a per-person concurrency limit and a daily person quota: four
 * counters, one Lua script per call plus the release), one without (no Redis round trip). The
 * same SDK-client path is timed for both, alternating in rounds so machine drift (other jobs on
 * a shared machine) spreads over both alike. Also times the limiter's Redis script alone.
 *
 *   NODE_OPTIONS=--experimental-vm-modules npx tsx --tsconfig tsconfig.base.json bench/limits-overhead.bench.ts
 *
 * BENCH_CALLS (default 400) calls per variant per round, BENCH_ROUNDS (default 5).
 * BENCH_CONTROL=1 gives the limited tenant an empty document: an A/A run that shows how much of
 * the difference is the two tenants rather than the limiter.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { RedisCallLimiter, type CounterCheck } from '@gatehouse/session-store';
import { createLogger } from '@gatehouse/telemetry';
import type { ToolCallContext } from '@gatehouse/gateway-core';
import {
  startGatewayHarness,
  type GatewayHarness,
} from '../apps/gateway-e2e/src/support/gateway-harness';
import { TenantCallLimiter } from '../libs/gateway/adapters/src/tenant-call-limiter';
import { connectClient } from '../apps/gateway-e2e/src/support/mcp-client';

const CALLS = Number(process.env['BENCH_CALLS'] ?? 400);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

const LIMITS = {
  rules: [
    { name: 'rate', per: ['person'], rate: { requests: 1_000_000, windowSeconds: 60 } },
    { name: 'in-flight', per: ['person'], concurrent: 1_000 },
    { name: 'per-tool', per: ['person', 'tool'], rate: { requests: 1_000_000, windowSeconds: 60 } },
  ],
  quotas: { person: { daily: 1_000_000_000 } },
};

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), n: sorted.length };
}

async function timeCalls(client: Client, calls: number, into: number[]): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await client.callTool({ name: 'alpha__echo', arguments: { text: `b${i}` } });
    into.push(performance.now() - t0);
  }
}

async function scriptAlone(): Promise<ReturnType<typeof summary>> {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const prefix = `bench:${randomUUID()}:`;
  const limiter = new RedisCallLimiter(redis, prefix);
  const checks: CounterCheck[] = [
    { kind: 'rate', key: 'r', requests: 1_000_000, windowMs: 60_000 },
    { kind: 'concurrent', key: 'c', max: 1_000 },
    { kind: 'rate', key: 't', requests: 1_000_000, windowMs: 60_000 },
    { kind: 'quota', key: 'q', max: 1_000_000_000, resetsAt: Date.now() + 86_400_000 },
  ];
  const samples: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    const t0 = performance.now();
    const id = `c${i}`;
    await limiter.admit(checks, id, Date.now(), Date.now() + 60_000);
    if (i >= 500) samples.push(performance.now() - t0);
    await limiter.release(checks, id);
  }
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  return summary(samples);
}

/** The gateway's limiter step alone (cached plan, counters, one script, release). */
async function admitAlone(h: GatewayHarness): Promise<ReturnType<typeof summary>> {
  const runtime = h.runtimes[0];
  if (!runtime?.redis) throw new Error('the bench needs Redis');
  const limiter = new TenantCallLimiter(
    runtime.repos.limits,
    new RedisCallLimiter(runtime.redis, `bench:${randomUUID()}:`),
    createLogger('bench', 'silent'),
    { leaseMs: 60_000 },
  );
  const context = {
    identity: { tenantId: h.tenant.id, personId: h.member.person.id, tokenId: 'bench' },
    upstream: { slug: 'alpha', annotationsTrusted: true },
    tool: undefined,
    toolName: 'echo',
  } as unknown as ToolCallContext;
  const samples: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    const t0 = performance.now();
    const admission = await limiter.admit(context);
    if (i >= 500) samples.push(performance.now() - t0);
    if (!admission.admitted)
      throw new Error(`the bench limits refused a call: ${admission.message}`);
    admission.release();
  }
  return summary(samples);
}

async function main(): Promise<void> {
  const h = await startGatewayHarness({ replicas: 1 });
  const free = await h.addTenant('no-limits', {
    alpha: h.upstreams.alpha.url,
    beta: h.upstreams.beta.url,
  });
  const control = process.env['BENCH_CONTROL'] === '1';
  const [runtime] = h.runtimes;
  const [gateway] = h.gateways;
  if (!runtime || !gateway) throw new Error('the harness started no replica');
  await runtime.repos.limits.put(h.tenant.id, control ? {} : LIMITS);
  const url = gateway.url;
  const limited = (await connectClient(url, h.member.token)).client;
  const unlimited = (await connectClient(url, free.member.token)).client;
  const on: number[] = [];
  const off: number[] = [];
  try {
    await timeCalls(limited, 200, []);
    await timeCalls(unlimited, 200, []);
    for (let round = 0; round < ROUNDS; round++) {
      const [first, second] =
        round % 2
          ? ([
              [unlimited, off],
              [limited, on],
            ] as const)
          : ([
              [limited, on],
              [unlimited, off],
            ] as const);
      await timeCalls(first[0], CALLS, first[1]);
      await timeCalls(second[0], CALLS, second[1]);
      console.error(`round ${round + 1}/${ROUNDS} done, load average ${loadavg()[0]?.toFixed(1)}`);
    }
  } finally {
    await limited.close();
    await unlimited.close();
  }
  const admit = await admitAlone(h).finally(() => h.close());
  const script = await scriptAlone();
  const a = summary(off);
  const b = summary(on);
  const row = (name: string, s: ReturnType<typeof summary>) =>
    `| ${name} | ${s.n} | ${s.p50.toFixed(3)} | ${s.p95.toFixed(3)} | ${s.p99.toFixed(3)} |`;
  console.log(
    `Node ${process.version}, ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} at the end\n`,
  );
  console.log('| tools/call through the gateway | calls | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---|---|---|---|');
  console.log(row('limits off (tenant without limits)', a));
  console.log(row(control ? 'control: same tenant, empty limits' : 'limits on (4 counters)', b));
  console.log(
    `| difference (on − off) | | ${(b.p50 - a.p50).toFixed(3)} | ${(b.p95 - a.p95).toFixed(3)} | ${(b.p99 - a.p99).toFixed(3)} |`,
  );
  console.log(row('TenantCallLimiter.admit alone (4 counters)', admit));
  console.log(row('the admit script alone (4 counters, real Redis)', script));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
