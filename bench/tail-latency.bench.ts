/**
 * Where the one-session tail comes from: one sequential client (one call at a time) through
 * one gateway replica, every latency kept with its start time; prints p50/p95/p99/max and the
 * slow calls (> 3 ms) with when they started, so periodic causes would show.
 *
 *   BENCH_DIST=tmp/final-dist npx tsx --tsconfig tsconfig.base.json bench/tail-latency.bench.ts
 *
 * STOP_AUDIT=1 pauses the audit-service (SIGSTOP) for the measurement, to see its share of the
 * tail (events wait in the Redis stream meanwhile). GW_NODE_OPTIONS passes Node flags to the
 * gateway (e.g. --max-semi-space-size=64). BENCH_SECONDS (default 10) measured after a 3 s
 * warm-up. Needs Redis and Postgres like bench/run.ts.
 */
import { request } from 'undici';
import { openSession, sessionHeaders, toolCallBody } from './lib/mcp-http';
import { startGatewayReplica, startStack } from './lib/stack';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const WARMUP_MS = 3_000;
const SLOW_MS = 3;

async function main(): Promise<void> {
  const stack = await startStack();
  const nodeOptions = process.env['GW_NODE_OPTIONS'];
  if (nodeOptions) stack.gatewayEnv['NODE_OPTIONS'] = nodeOptions;
  const gateway = await startGatewayReplica(stack, 'gateway');
  const stopAudit = Boolean(process.env['STOP_AUDIT']);
  try {
    const target = { url: gateway.url, token: stack.token, tool: `${stack.upstreamSlug}__echo` };
    const headers = sessionHeaders(target, await openSession(target));
    const samples: { at: number; ms: number }[] = [];
    if (stopAudit) process.kill(stack.auditService.pid, 'SIGSTOP');
    const started = performance.now();
    for (let id = 0; performance.now() - started < WARMUP_MS + SECONDS * 1000; id++) {
      const at = performance.now();
      const answer = await request(target.url, {
        method: 'POST',
        headers,
        body: toolCallBody(target, id),
      });
      const text = await answer.body.text();
      if (answer.statusCode !== 200 || !text.includes('"result"'))
        throw new Error(`call ${id}: ${answer.statusCode} ${text.slice(0, 200)}`);
      if (at - started >= WARMUP_MS) samples.push({ at: at - started, ms: performance.now() - at });
    }
    const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
    const pick = (q: number) => (sorted[Math.floor(q * sorted.length)] ?? NaN).toFixed(2);
    console.log(
      `${sorted.length} calls${stopAudit ? ' (audit-service paused)' : ''}${nodeOptions ? ` gateway ${nodeOptions}` : ''}: ` +
        `p50 ${pick(0.5)} ms, p95 ${pick(0.95)} ms, p99 ${pick(0.99)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(1)} ms`,
    );
    const slow = samples.filter((s) => s.ms > SLOW_MS);
    console.log(
      `${slow.length} calls over ${SLOW_MS} ms, first 40 as start ms:latency ms: ` +
        slow
          .slice(0, 40)
          .map((s) => `${Math.round(s.at)}:${s.ms.toFixed(1)}`)
          .join(' '),
    );
  } finally {
    if (stopAudit) process.kill(stack.auditService.pid, 'SIGCONT');
    await gateway.process.stop();
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
