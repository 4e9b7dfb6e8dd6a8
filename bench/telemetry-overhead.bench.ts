/**
 * Gateway latency with OpenTelemetry on (traces and metrics exported over OTLP HTTP to a local
 * no-op collector this script starts) vs off (nothing configured: no SDK, Prometheus only).
 * Runs alternate off/on to spread machine drift over both modes. Prints a Markdown table
 * (paste into docs/benchmarks-telemetry.md).
 *
 *   npm run build && npx tsx --tsconfig tsconfig.base.json bench/telemetry-overhead.bench.ts
 *
 * Needs Redis and Postgres like bench/run.ts. BENCH_SECONDS (default 10) per measured run,
 * BENCH_ROUNDS (default 2) off/on pairs, BENCH_SESSIONS (default 10) concurrent sessions.
 */
import { createServer, type Server } from 'node:http';
import { runLoad, type LoadMeasurement } from './lib/load';
import { checkToolCall, openSession, type McpTarget } from './lib/mcp-http';
import { startGatewayReplica, startStack, type BenchStack } from './lib/stack';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const SESSIONS = Number(process.env['BENCH_SESSIONS'] ?? 10);
const WARMUP_SECONDS = 3;

/** off: nothing configured; on: every trace exported; sampled: 10 % of traces (head sampling). */
const MODES = ['off', 'on', 'sampled'] as const;
type Mode = (typeof MODES)[number];

function telemetryEnv(mode: Mode, collectorUrl: string): Record<string, string> {
  if (mode === 'off') return {};
  const exported = {
    OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
    OTEL_SERVICE_NAME: 'gateway-bench',
  };
  if (mode === 'on') return exported;
  return {
    ...exported,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
  };
}

/** An OTLP/HTTP endpoint that accepts and drops everything, counting what it was sent. */
async function startNoopCollector(): Promise<{
  url: string;
  received: Map<string, number>;
  server: Server;
}> {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      received.set(path, (received.get(path) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

async function measure(
  stack: BenchStack,
  mode: Mode,
  collectorUrl: string,
): Promise<LoadMeasurement> {
  const gateway = await startGatewayReplica(
    { ...stack, gatewayEnv: { ...stack.gatewayEnv, ...telemetryEnv(mode, collectorUrl) } },
    `gateway-telemetry-${mode}`,
  );
  try {
    const target: McpTarget = {
      url: gateway.url,
      token: stack.token,
      tool: `${stack.upstreamSlug}__echo`,
    };
    const sessionIds: string[] = [];
    for (let i = 0; i < SESSIONS; i++) sessionIds.push(await openSession(target));
    await checkToolCall(target, sessionIds[0] ?? '');
    const group = { target, sessionIds };
    await runLoad([group], WARMUP_SECONDS, []);
    return await runLoad([group], SECONDS, [{ name: 'gateway', pid: gateway.process.pid }]);
  } finally {
    await gateway.process.stop();
  }
}

async function main(): Promise<void> {
  // The "off" gateway must see no OTEL_* at all (child processes inherit this env).
  for (const key of Object.keys(process.env)) if (key.startsWith('OTEL_')) delete process.env[key];
  const collector = await startNoopCollector();
  const stack = await startStack();
  const runs: Record<Mode, LoadMeasurement[]> = { off: [], on: [], sampled: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of MODES) {
        const result = await measure(stack, mode, collector.url);
        runs[mode].push(result);
        console.log(
          `round ${round + 1} ${mode}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, failed ${result.failed}`,
        );
      }
    }
  } finally {
    await stack.close();
    collector.server.close();
  }
  if ((collector.received.get('/v1/traces') ?? 0) === 0)
    throw new Error('telemetry "on" exported no traces: the comparison would be meaningless');

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    return Number.isInteger(mid)
      ? ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
      : (sorted[Math.floor(mid)] ?? NaN);
  };
  const summary = (mode: Mode) => ({
    rps: median(runs[mode].map((r) => r.rps)),
    p50: median(runs[mode].map((r) => r.p50)),
    p95: median(runs[mode].map((r) => r.p95)),
    p99: median(runs[mode].map((r) => r.p99)),
    cpu: median(runs[mode].map((r) => r.cpu['gateway'] ?? NaN)),
    // CPU per call is the steadiest figure on a shared machine: it does not depend on how much
    // of a core the gateway got, only on the work each call costs.
    cpuMsPerCall: median(runs[mode].map((r) => ((r.cpu['gateway'] ?? NaN) * 10) / r.rps)),
  });
  const off = summary('off');
  const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %`;
  console.log(
    `\n### Telemetry overhead (${SESSIONS} sessions, ${SECONDS} s x ${ROUNDS} rounds, medians)\n`,
  );
  console.log(
    '| telemetry | gateway CPU ms per call | req/s | p50 ms | p95 ms | p99 ms | gateway CPU % (1 core = 100) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const labels: Record<Mode, string> = {
    off: 'off (not configured)',
    on: 'on, every trace exported (OTLP)',
    sampled: 'on, 10 % of traces sampled',
  };
  for (const mode of MODES) {
    const s = summary(mode);
    const change = (a: number, b: number) => (mode === 'off' ? '' : ` (${pct(a, b)})`);
    console.log(
      `| ${labels[mode]} | ${s.cpuMsPerCall.toFixed(2)}${change(off.cpuMsPerCall, s.cpuMsPerCall)} | ${s.rps.toFixed(0)}${change(off.rps, s.rps)} | ${s.p50.toFixed(2)}${change(off.p50, s.p50)} | ${s.p95.toFixed(2)}${change(off.p95, s.p95)} | ${s.p99.toFixed(2)}${change(off.p99, s.p99)} | ${s.cpu.toFixed(0)}${change(off.cpu, s.cpu)} |`,
    );
  }
  console.log(
    `\nOTLP requests received by the no-op collector: ${JSON.stringify(Object.fromEntries(collector.received))}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
