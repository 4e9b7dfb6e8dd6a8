/**
 * Gateway latency and CPU with OpenTelemetry on (traces exported over OTLP HTTP to a local no-op
 * collector this script starts) vs off (nothing configured: no SDK, Prometheus only). One
 * gateway replica per variant is started up front and the load visits them in turn, round after
 * round, so machine drift (other people's jobs) spreads over all variants alike. Prints a
 * Markdown table (paste into docs/benchmarks-telemetry.md).
 *
 *   BENCH_DIST=tmp/bench-dist npx tsx --tsconfig tsconfig.base.json bench/telemetry-overhead.bench.ts
 *
 * Needs Redis and Postgres like bench/run.ts. BENCH_SECONDS (default 10) per measured run,
 * BENCH_ROUNDS (default 2), BENCH_SESSIONS (default 10) concurrent sessions, BENCH_RATE
 * (requests per second over all sessions, open loop; default closed loop, as fast as answered),
 * BENCH_VARIANTS (see bench/lib/telemetry-variants.ts; default off, on, 10 % sampled; a variant
 * may name its own build with BENCH_DIST=..., to compare two commits in one run).
 */
import { runLoad, type LoadMeasurement } from './lib/load';
import { startNoopCollector } from './lib/noop-collector';
import type { McpTarget } from './lib/mcp-http';
import { echoSessions, startGatewayReplica, startStack, type GatewayReplica } from './lib/stack';
import { DEFAULT_VARIANTS, parseVariants, type TelemetryVariant } from './lib/telemetry-variants';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const SESSIONS = Number(process.env['BENCH_SESSIONS'] ?? 10);
const RATE = process.env['BENCH_RATE'] ? Number(process.env['BENCH_RATE']) : undefined;
const WARMUP_SECONDS = 3;

interface Subject {
  variant: TelemetryVariant;
  gateway: GatewayReplica;
  group: { target: McpTarget; sessionIds: string[]; rate?: number };
  runs: LoadMeasurement[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid)
    ? ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
    : (sorted[Math.floor(mid)] ?? NaN);
};

/** Gateway CPU milliseconds per answered call (CPU % of one core × 10 ms / req/s). */
const cpuMsPerCall = (r: LoadMeasurement) => ((r.cpu['gateway'] ?? NaN) * 10) / r.rps;

async function main(): Promise<void> {
  // The "off" gateway must see no OTEL_* at all (child processes inherit this env).
  for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];
  const collector = await startNoopCollector();
  const variants = parseVariants(process.env['BENCH_VARIANTS'] ?? DEFAULT_VARIANTS, collector.url);
  const stack = await startStack();
  const subjects: Subject[] = [];
  try {
    for (const variant of variants) {
      const { BENCH_DIST: dist, ...env } = variant.env;
      const gateway = await startGatewayReplica(
        { ...stack, gatewayEnv: { ...stack.gatewayEnv, ...env } },
        `gateway-telemetry-${variant.name}`,
        [],
        dist,
      );
      const { target, sessionIds } = await echoSessions(stack, gateway, SESSIONS);
      const group = { target, sessionIds, ...(RATE ? { rate: RATE } : {}) };
      subjects.push({ variant, gateway, group, runs: [] });
    }
    for (const s of subjects) await runLoad([s.group], WARMUP_SECONDS, []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of subjects) {
        const result = await runLoad([s.group], SECONDS, [
          { name: 'gateway', pid: s.gateway.process.pid },
        ]);
        s.runs.push(result);
        console.log(
          `round ${round + 1} ${s.variant.name}: ${result.rps.toFixed(0)} req/s, ${cpuMsPerCall(result).toFixed(3)} ms CPU/call, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, failed ${result.failed}, machine busy ${result.machineBusyPercent.toFixed(0)} %`,
        );
      }
    }
  } finally {
    for (const s of subjects) await s.gateway.process.stop();
    await stack.close();
    collector.server.close();
  }
  if (variants.some((v) => v.name !== 'off') && (collector.received.get('/v1/traces') ?? 0) === 0)
    throw new Error('telemetry "on" exported no traces: the comparison would be meaningless');

  const summary = (s: Subject) => ({
    rps: median(s.runs.map((r) => r.rps)),
    p50: median(s.runs.map((r) => r.p50)),
    p95: median(s.runs.map((r) => r.p95)),
    p99: median(s.runs.map((r) => r.p99)),
    cpu: median(s.runs.map((r) => r.cpu['gateway'] ?? NaN)),
    // CPU per call is the steadiest figure on a shared machine: it does not depend on how
    // much of a core the gateway got, only on the work each call costs.
    cpuMsPerCall: median(s.runs.map(cpuMsPerCall)),
    cpuMsPerCallMin: Math.min(...s.runs.map(cpuMsPerCall)),
  });
  const first = subjects[0];
  if (!first) return;
  const base = summary(first);
  const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %`;
  const load = RATE ? `${RATE} req/s offered (open loop)` : 'closed loop';
  console.log(
    `\n### Telemetry overhead (${SESSIONS} sessions, ${load}, ${SECONDS} s x ${ROUNDS} rounds, medians; changes against ${first.variant.name})\n`,
  );
  console.log(
    '| variant | gateway CPU ms per call (min) | added CPU ms per call | req/s | p50 ms | p95 ms | p99 ms | added p50 ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  subjects.forEach((subject, i) => {
    const s = summary(subject);
    const change = (a: number, b: number) => (i === 0 ? '' : ` (${pct(a, b)})`);
    const added = (a: number, b: number) => (i === 0 ? '' : (b - a).toFixed(3));
    console.log(
      `| ${subject.variant.name} | ${s.cpuMsPerCall.toFixed(3)}${change(base.cpuMsPerCall, s.cpuMsPerCall)} (${s.cpuMsPerCallMin.toFixed(3)}) | ${added(base.cpuMsPerCall, s.cpuMsPerCall)} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(2)}${change(base.p50, s.p50)} | ${s.p95.toFixed(2)}${change(base.p95, s.p95)} | ${s.p99.toFixed(2)}${change(base.p99, s.p99)} | ${added(base.p50, s.p50)} |`,
    );
  });
  console.log('\nVariants:');
  for (const s of subjects) console.log(`- ${s.variant.name}: ${JSON.stringify(s.variant.env)}`);
  console.log(
    `\nOTLP requests received by the no-op collector: ${JSON.stringify(Object.fromEntries(collector.received))}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
