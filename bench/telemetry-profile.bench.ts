/**
 * Where telemetry's CPU goes: runs the bench load against one gateway per variant with
 * `--cpu-prof` and prints self time per call by package (and the top functions) side by side.
 *
 *   BENCH_DIST=tmp/bench-dist npx tsx --tsconfig tsconfig.base.json bench/telemetry-profile.bench.ts
 *
 * PROFILE_VARIANTS (default `off;on`): `;`-separated variants, each `name` or
 * `name:KEY=value,KEY=value` with extra gateway environment. `off` has no OTEL_* at all; every
 * other variant exports traces to a local no-op collector. BENCH_SECONDS (default 8),
 * BENCH_SESSIONS (default 10), BENCH_RATE (requests per second, open loop; default closed loop:
 * CPU per call then depends on how much batching the throughput allows). Profiles are written to tmp/telemetry-prof/<variant>/.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { summariseCpuProfile, type ProfileSummary } from './lib/cpu-profile';
import { runLoad } from './lib/load';
import { ROOT } from './lib/processes';
import { echoSessions, startGatewayReplica, startStack, type BenchStack } from './lib/stack';
import { startNoopCollector } from './lib/noop-collector';
import { parseVariants, type TelemetryVariant } from './lib/telemetry-variants';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const SESSIONS = Number(process.env['BENCH_SESSIONS'] ?? 10);
const RATE = process.env['BENCH_RATE'] ? Number(process.env['BENCH_RATE']) : undefined;
const WARMUP_SECONDS = 3;

interface Profiled {
  variant: TelemetryVariant;
  calls: number;
  cpuMsPerCall: number;
  summary: ProfileSummary;
}

async function profileVariant(stack: BenchStack, variant: TelemetryVariant): Promise<Profiled> {
  const dir = join(ROOT, 'tmp/telemetry-prof', variant.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const startedAt = Date.now();
  const { BENCH_DIST: dist, ...env } = variant.env;
  const gateway = await startGatewayReplica(
    { ...stack, gatewayEnv: { ...stack.gatewayEnv, ...env } },
    `gateway-${variant.name}`,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    dist,
  );
  let measuredFrom = startedAt;
  let measuredTo = startedAt;
  let calls = 0;
  let cpuMsPerCall = NaN;
  try {
    const { target, sessionIds } = await echoSessions(stack, gateway, SESSIONS);
    const group = { target, sessionIds, ...(RATE ? { rate: RATE } : {}) };
    await runLoad([group], WARMUP_SECONDS, []);
    measuredFrom = Date.now();
    const m = await runLoad([group], SECONDS, [{ name: 'gateway', pid: gateway.process.pid }]);
    measuredTo = Date.now();
    calls = m.ok;
    cpuMsPerCall = ((m.cpu['gateway'] ?? NaN) * 10) / m.rps;
  } finally {
    await gateway.process.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const summary = summariseCpuProfile(
    join(dir, file),
    measuredFrom - startedAt,
    40,
    measuredTo - startedAt,
  );
  console.log(
    `${variant.name}: profile ${dir}/${file}, measured window ${measuredFrom - startedAt}..${measuredTo - startedAt} ms`,
  );
  return { variant, calls, cpuMsPerCall, summary };
}

async function main(): Promise<void> {
  for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];
  const collector = await startNoopCollector();
  const variants = parseVariants(process.env['PROFILE_VARIANTS'] ?? 'off;on', collector.url);
  const stack = await startStack();
  const results: Profiled[] = [];
  try {
    for (const variant of variants) {
      const result = await profileVariant(stack, variant);
      results.push(result);
      const busy = result.summary.totalMs - result.summary.idleMs;
      console.log(
        `${variant.name} ${JSON.stringify(variant.env)}: ${result.calls} calls, ${result.cpuMsPerCall.toFixed(3)} ms CPU/call (/proc), ` +
          `${(busy / result.calls).toFixed(3)} ms busy/call (profile), ${(result.calls / SECONDS).toFixed(0)} req/s`,
      );
    }
  } finally {
    await stack.close();
    collector.server.close();
  }

  const perCall = (r: Profiled, ms: number) => ((ms / r.calls) * 1000).toFixed(0);
  const header = `| | ${results.map((r) => `${r.variant.name} µs/call`).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---').join('|')}|`;
  const packages = new Set(results.flatMap((r) => r.summary.packages.map((p) => p.name)));
  console.log('\n### Self time per call by package\n');
  console.log(header.replace('| |', '| package |'));
  console.log(rule);
  const busyRow = results.map((r) => perCall(r, r.summary.totalMs - r.summary.idleMs));
  console.log(`| **busy (all)** | ${busyRow.join(' | ')} |`);
  for (const name of packages) {
    const cells = results.map((r) => {
      const row = r.summary.packages.find((p) => p.name === name);
      return row ? perCall(r, row.selfMs) : '–';
    });
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
  for (const r of results) {
    console.log(`\n### Top functions, ${r.variant.name} (self µs per call)\n`);
    console.log('| function | µs/call | % |');
    console.log('|---|---|---|');
    for (const f of r.summary.functions)
      console.log(`| \`${f.name}\` | ${perCall(r, f.selfMs)} | ${f.percent.toFixed(1)} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
