/**
 * Gatehouse benchmark suite: overhead vs direct, micro-benchmarks, replica scaling, hot-path
 * profile. Prints Markdown tables (paste into docs/benchmarks.md).
 *
 *   npm run build && npm run bench [-- overhead micro scaling profile]
 *
 * Needs Redis (REDIS_URL, default redis://127.0.0.1:6379) and Postgres
 * (TEST_DATABASE_BASE_URL, as the integration tests). Runs the built apps from dist/ as child
 * processes; it does not build. BENCH_SECONDS (default 10) sets each measured run; BENCH_DIST
 * (default dist) the build output to run.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { attributeToCallers, summariseCpuProfile } from './lib/cpu-profile';
import { runLoad, type LoadGroup, type LoadMeasurement, type WatchedProcess } from './lib/load';
import { checkToolCall, openSession, type McpTarget } from './lib/mcp-http';
import { benchSessionLoad, benchTokenCacheHit, runPolicyBench } from './lib/micro';
import { GATEHOUSE_NODE, nodeVersionOf, ROOT, sleep } from './lib/processes';
import {
  DIST,
  GATEWAY_SCRIPT,
  REDIS_URL,
  startGatewayReplica,
  startStack,
  type BenchStack,
} from './lib/stack';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const WARMUP_SECONDS = 3;
const SCENARIOS = ['overhead', 'micro', 'scaling', 'profile'] as const;
type Scenario = (typeof SCENARIOS)[number];

function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

const ms = (value: number): string => value.toFixed(2);
const pct = (value: number): string => `${value.toFixed(0)}%`;
const int = (value: number): string => Math.round(value).toLocaleString('en-US');

function cpuCell(m: LoadMeasurement): string {
  return Object.entries(m.cpu)
    .map(([name, value]) => `${name} ${pct(value)}`)
    .join(', ');
}

function loadAverage(): string {
  return execSync('uptime', { encoding: 'utf8' })
    .trim()
    .replace(/^.*load average:\s*/, '');
}

async function redisPid(): Promise<number | undefined> {
  const redis = new Redis(REDIS_URL);
  try {
    const info = await redis.info('server');
    const match = /process_id:(\d+)/.exec(info);
    const pid = match ? Number(match[1]) : undefined;
    return pid !== undefined && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
  } finally {
    redis.disconnect();
  }
}

async function openSessions(target: McpTarget, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await openSession(target));
  const first = ids[0];
  if (first) {
    const contentType = await checkToolCall(target, first);
    console.log(`${target.url}: ${count} sessions open, tools/call answers ${contentType}`);
  }
  return ids;
}

interface Context {
  stack: BenchStack;
  redis: WatchedProcess[];
  gatewaySessionForMicro: string | undefined;
}

async function overhead(ctx: Context): Promise<void> {
  const { stack } = ctx;
  const gateway = await startGatewayReplica(stack, 'gateway');
  try {
    const direct: McpTarget = { url: stack.fixtureUrl, token: undefined, tool: 'echo' };
    const through: McpTarget = {
      url: gateway.url,
      token: stack.token,
      tool: `${stack.upstreamSlug}__echo`,
    };
    const directSessions = await openSessions(direct, 50);
    const gatewaySessions = await openSessions(through, 50);
    ctx.gatewaySessionForMicro = gatewaySessions[0];
    const fixtureWatch = { name: 'fixture', pid: stack.fixture.pid };
    const gatewayWatch: WatchedProcess[] = [
      { name: 'gateway', pid: gateway.process.pid },
      fixtureWatch,
      { name: 'audit', pid: stack.auditService.pid },
      ...ctx.redis,
    ];
    await runLoad(
      [{ target: direct, sessionIds: directSessions.slice(0, 10) }],
      WARMUP_SECONDS,
      [],
    );
    await runLoad(
      [{ target: through, sessionIds: gatewaySessions.slice(0, 10) }],
      WARMUP_SECONDS,
      [],
    );

    const rows: (string | number)[][] = [];
    const ratios: (string | number)[][] = [];
    for (const sessions of [1, 10, 50]) {
      const d = await runLoad(
        [{ target: direct, sessionIds: directSessions.slice(0, sessions) }],
        SECONDS,
        [fixtureWatch],
      );
      const loadDirect = loadAverage();
      const g = await runLoad(
        [{ target: through, sessionIds: gatewaySessions.slice(0, sessions) }],
        SECONDS,
        gatewayWatch,
      );
      const loadGateway = loadAverage();
      for (const [path, m, load] of [
        ['direct', d, loadDirect],
        ['gateway', g, loadGateway],
      ] as const) {
        rows.push([
          sessions,
          path,
          int(m.rps),
          ms(m.p50),
          ms(m.p95),
          ms(m.p99),
          `${int(m.ok)} / ${m.failed}`,
          cpuCell(m),
          `${pct(m.machineBusyPercent)} of 2 cores`,
          load,
        ]);
      }
      ratios.push([
        sessions,
        ms(g.p50 - d.p50),
        ms(g.p95 - d.p95),
        ms(g.p99 - d.p99),
        pct((g.rps / d.rps) * 100),
      ]);
    }
    console.log(`\n### Overhead: direct vs through the gateway (${SECONDS} s per run)\n`);
    console.log(
      table(
        [
          'sessions',
          'path',
          'req/s',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'ok / failed',
          'CPU (% of one core)',
          'machine busy',
          'load avg after',
        ],
        rows,
      ),
    );
    console.log('\n');
    console.log(
      table(
        ['sessions', 'added p50 ms', 'added p95 ms', 'added p99 ms', 'gateway/direct req/s'],
        ratios,
      ),
    );
  } finally {
    await gateway.process.stop();
  }
}

async function micro(ctx: Context): Promise<void> {
  const rows = [await benchTokenCacheHit(200_000)];
  if (ctx.gatewaySessionForMicro) {
    rows.push(
      await benchSessionLoad(REDIS_URL, ctx.stack.redisPrefix, ctx.gatewaySessionForMicro, 20_000),
    );
  } else {
    console.log('(session load skipped: run the overhead scenario first to create a session)');
  }
  console.log('\n### Micro-benchmarks (µs per operation, one awaited call at a time)\n');
  console.log(
    table(
      ['operation', 'iterations', 'p50 µs', 'p99 µs', 'mean µs'],
      rows.map((r) => [r.operation, int(r.iterations), ms(r.p50), ms(r.p99), ms(r.mean)]),
    ),
  );
  console.log('\n`bench/policy.bench.ts 100000` (200 rules):\n');
  console.log(runPolicyBench(100_000));
}

async function scaling(ctx: Context): Promise<void> {
  const { stack } = ctx;
  const sessions = 48;
  const rows: (string | number)[][] = [];
  for (const replicas of [1, 2, 3]) {
    const gateways = [];
    for (let i = 0; i < replicas; i++) {
      gateways.push(await startGatewayReplica(stack, `gateway-${i + 1}`));
    }
    try {
      const targets = gateways.map((g): McpTarget => ({
        url: g.url,
        token: stack.token,
        tool: `${stack.upstreamSlug}__echo`,
      }));
      const groups: LoadGroup[] = [];
      for (const target of targets) {
        groups.push({ target, sessionIds: await openSessions(target, sessions / replicas) });
      }
      await runLoad(groups, WARMUP_SECONDS, []);
      const watched: WatchedProcess[] = [
        ...gateways.map((g, i) => ({ name: `gw${i + 1}`, pid: g.process.pid })),
        { name: 'fixture', pid: stack.fixture.pid },
        { name: 'audit', pid: stack.auditService.pid },
        ...ctx.redis,
      ];
      const m = await runLoad(groups, SECONDS, watched);
      rows.push([
        replicas,
        sessions,
        int(m.rps),
        ms(m.p50),
        ms(m.p99),
        `${int(m.ok)} / ${m.failed}`,
        cpuCell(m),
        `${pct(m.machineBusyPercent)} of 2 cores`,
        loadAverage(),
      ]);
    } finally {
      await Promise.all(gateways.map((g) => g.process.stop()));
    }
  }
  console.log(
    `\n### Scaling: replicas on one Redis, ${sessions} sessions spread round-robin (${SECONDS} s)\n`,
  );
  console.log(
    table(
      [
        'replicas',
        'sessions',
        'req/s',
        'p50 ms',
        'p99 ms',
        'ok / failed',
        'CPU (% of one core)',
        'machine busy',
        'load avg after',
      ],
      rows,
    ),
  );
}

async function profile(ctx: Context): Promise<void> {
  const { stack } = ctx;
  const dir = join(ROOT, 'tmp/prof');
  mkdirSync(dir, { recursive: true });
  const startedAt = Date.now();
  const gateway = await startGatewayReplica(stack, 'gateway-prof', [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
  ]);
  let m: LoadMeasurement;
  let measuredFrom = startedAt;
  try {
    const target: McpTarget = {
      url: gateway.url,
      token: stack.token,
      tool: `${stack.upstreamSlug}__echo`,
    };
    const sessionIds = await openSessions(target, 10);
    await runLoad([{ target, sessionIds }], WARMUP_SECONDS, []);
    measuredFrom = Date.now();
    m = await runLoad([{ target, sessionIds }], SECONDS, [
      { name: 'gateway', pid: gateway.process.pid },
    ]);
  } finally {
    await gateway.process.stop();
  }
  const written = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).mtimeMs >= startedAt)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!written) throw new Error(`no .cpuprofile written in ${dir}`);
  const summary = summariseCpuProfile(written, measuredFrom - startedAt);
  const busy = summary.totalMs - summary.idleMs;
  console.log(
    `\n### Profile: one replica, 10 sessions, --cpu-prof (${int(m.rps)} req/s during the run)\n`,
  );
  console.log(
    `${written}: ${int(summary.totalMs)} ms sampled, ${int(busy)} ms busy ` +
      `(${pct((busy / summary.totalMs) * 100)}) in the measured run (start-up and warm-up left ` +
      `out); percentages are of busy time.\n`,
  );
  console.log(
    table(
      ['self time by package', 'ms', '%'],
      summary.packages.map((r) => [r.name, int(r.selfMs), r.percent.toFixed(1)]),
    ),
  );
  console.log('\n');
  console.log(
    table(
      ['top self-time functions', 'ms', '%'],
      summary.functions.map((r) => [`\`${r.name}\``, int(r.selfMs), r.percent.toFixed(1)]),
    ),
  );
  console.log('\n');
  console.log(
    table(
      ['socket writes (writev, writeUtf8String) by caller', 'ms', '% of writes'],
      attributeToCallers(written, ['writev', 'writeUtf8String'], measuredFrom - startedAt).map(
        (r) => [r.name, int(r.selfMs), r.percent.toFixed(1)],
      ),
    ),
  );
}

async function auditCheck(stack: BenchStack): Promise<void> {
  await sleep(3000);
  const stored = await stack.db.prisma.auditEvent.count();
  console.log(`\nAudit: ${int(stored)} audit events stored in Postgres by the audit-service.`);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s) ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`,
    );
  }
  const scenarios: Scenario[] =
    wanted.length > 0 ? SCENARIOS.filter((s) => wanted.includes(s)) : [...SCENARIOS];
  const gatewayMain = join(ROOT, GATEWAY_SCRIPT);
  if (!existsSync(gatewayMain)) {
    throw new Error(`${GATEWAY_SCRIPT} is missing: run \`npm run build\` first`);
  }
  const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  const dirty = execSync('git status --porcelain --untracked-files=no', {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  console.log(
    `commit ${commit}${dirty ? ' (working tree has uncommitted changes)' : ''}, node ` +
      `${process.version} (gateway and audit-service: ${nodeVersionOf(GATEHOUSE_NODE)}), ` +
      `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ` +
      `${loadAverage()}, scenarios: ${scenarios.join(', ')}; running ${DIST}/ built ` +
      `${statSync(gatewayMain).mtime.toISOString()}`,
  );
  const stack = await startStack();
  const pid = await redisPid();
  const ctx: Context = {
    stack,
    redis: pid ? [{ name: 'redis', pid }] : [],
    gatewaySessionForMicro: undefined,
  };
  try {
    for (const scenario of scenarios) {
      if (scenario === 'overhead') await overhead(ctx);
      if (scenario === 'micro') await micro(ctx);
      if (scenario === 'scaling') await scaling(ctx);
      if (scenario === 'profile') await profile(ctx);
    }
    await auditCheck(stack);
  } finally {
    await stack.close();
  }
  console.log(`\nload average at the end: ${loadAverage()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
