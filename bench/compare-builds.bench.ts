/**
 * A/B of two gateway builds on one stack: the same fixture, audit-service, Redis and Postgres,
 * one gateway replica per build, runs alternating A, B, A, B… so machine drift (other people's
 * jobs on a shared box) falls on both. Reports, per build, the median over rounds of gateway CPU
 * per call (the steadiest figure on a busy machine), req/s, p50 and p99.
 *
 *   BENCH_A=tmp/base-dist BENCH_B=tmp/new-dist npx tsx --tsconfig tsconfig.base.json \
 *     bench/compare-builds.bench.ts
 *
 * BENCH_SECONDS (default 6) per run, BENCH_ROUNDS (default 3), BENCH_SESSIONS (default 10).
 * The fixture and audit-service come from BENCH_DIST (default dist), as in bench/run.ts.
 * BENCH_A_NODE / BENCH_B_NODE run that side's gateway on another Node binary (default
 * BENCH_GATEHOUSE_NODE, else this Node): the same build twice compares two runtimes.
 */
import { existsSync } from 'node:fs';
import { runLoad, type LoadMeasurement } from './lib/load';
import type { McpTarget } from './lib/mcp-http';
import { GATEHOUSE_NODE, nodeVersionOf, type BenchProcess } from './lib/processes';
import { echoSessions, startGatewayReplica, startStack, type BenchStack } from './lib/stack';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 6);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SESSIONS = Number(process.env['BENCH_SESSIONS'] ?? 10);
const BUILDS = { A: process.env['BENCH_A'], B: process.env['BENCH_B'] };
const NODES = {
  A: process.env['BENCH_A_NODE'] || GATEHOUSE_NODE,
  B: process.env['BENCH_B_NODE'] || GATEHOUSE_NODE,
};

interface Gateway {
  label: 'A' | 'B';
  dist: string;
  node: string;
  process: BenchProcess;
  target: McpTarget;
  sessions: string[];
  runs: LoadMeasurement[];
}

async function startGateway(stack: BenchStack, label: 'A' | 'B', dist: string): Promise<Gateway> {
  if (!existsSync(`${dist}/apps/gateway/src/main.js`)) throw new Error(`build ${dist} first`);
  const replica = await startGatewayReplica(stack, `gateway-${label}`, [], dist, NODES[label]);
  const { target, sessionIds } = await echoSessions(stack, replica, SESSIONS);
  return {
    label,
    dist,
    node: nodeVersionOf(NODES[label]),
    process: replica.process,
    target,
    sessions: sessionIds,
    runs: [],
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  if (!BUILDS.A || !BUILDS.B) throw new Error('set BENCH_A and BENCH_B to two build folders');
  const stack = await startStack();
  const gateways: Gateway[] = [];
  try {
    gateways.push(await startGateway(stack, 'A', BUILDS.A));
    gateways.push(await startGateway(stack, 'B', BUILDS.B));
    for (const g of gateways) await runLoad([{ target: g.target, sessionIds: g.sessions }], 3, []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const g of round % 2 === 0 ? gateways : [...gateways].reverse()) {
        const m = await runLoad([{ target: g.target, sessionIds: g.sessions }], SECONDS, [
          { name: 'gateway', pid: g.process.pid },
        ]);
        if (m.failed > 0) throw new Error(`${g.label}: ${m.failed} calls failed`);
        g.runs.push(m);
        const cpuMs = ((m.cpu['gateway'] ?? 0) * 10) / m.rps;
        console.log(
          `round ${round + 1} ${g.label}: ${Math.round(m.rps)} req/s, gateway ${cpuMs.toFixed(3)} ms CPU/call, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, machine ${Math.round(m.machineBusyPercent)}% busy`,
        );
      }
    }
    console.log(`\n${SESSIONS} sessions, ${ROUNDS} rounds of ${SECONDS} s, medians:\n`);
    console.log('| build | gateway CPU ms/call | req/s | p50 ms | p99 ms |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const g of gateways) {
      const cpu = median(g.runs.map((m) => ((m.cpu['gateway'] ?? 0) * 10) / m.rps));
      console.log(
        `| ${g.label} (${g.dist}, node ${g.node}) | ${cpu.toFixed(3)} | ${Math.round(median(g.runs.map((m) => m.rps)))} | ${median(g.runs.map((m) => m.p50)).toFixed(2)} | ${median(g.runs.map((m) => m.p99)).toFixed(2)} |`,
      );
    }
  } finally {
    for (const g of gateways) await g.process.stop();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
