/**
 * Redis commands per tools/call, and how many of them are the in-flight call table's
 * (docs/decisions/0004): MONITOR on Redis, filtered by the harness's key prefix, one in-process
 * replica (its audit sink is in memory, so audit XADDs are not counted).
 *
 *   npx tsx --tsconfig tsconfig.base.json bench/inflight-redis-commands.bench.ts
 */
import { Redis } from 'ioredis';
import { startGatewayHarness } from '../apps/gateway-e2e/src/support/gateway-harness';
import { connectClient } from '../apps/gateway-e2e/src/support/mcp-client';

async function main() {
  const h = await startGatewayHarness({
    replicas: 1,
    env: { REPLICA_HEARTBEAT_MS: '600000', REPLICA_DEAD_AFTER_MS: '1200000' },
  });
  const prefix = h.env['REDIS_KEY_PREFIX'] ?? '';
  const gateway = h.gateways[0];
  if (!prefix || !gateway) throw new Error('the harness gave no key prefix or gateway');
  const { client } = await connectClient(gateway.url, h.admin.token);
  await client.callTool({ name: 'alpha__echo', arguments: { text: 'warm' } });
  await client.callTool({ name: 'alpha__slow', arguments: { steps: 1, delayMs: 1 } }, undefined, {
    onprogress: () => undefined,
  });
  const monitorConn = new Redis(h.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const monitor = await monitorConn.monitor();
  // MONITOR sees every client of a shared Redis; ioredis can trip over heavy foreign traffic.
  monitor.on('error', (error: unknown) => console.error('monitor:', String(error)));
  let lines: string[] = [];
  // MULTI/EXEC carry no key: count them when they sit between commands of our prefix.
  monitor.on('monitor', (_time: string, args: string[]) => {
    const line = args.join(' ');
    if (line.includes(prefix) || args[0] === 'multi' || args[0] === 'exec') lines.push(line);
  });
  const settle = () => new Promise((r) => setTimeout(r, 300));
  const measure = async (label: string, run: () => Promise<unknown>, n: number) => {
    await settle();
    lines = [];
    for (let i = 0; i < n; i++) await run();
    await settle();
    const ours = lines.filter((l) => l.includes(prefix));
    const inflight = ours.filter((l) => l.includes('inflight:calls'));
    const execs = lines.filter((l) => l.startsWith('exec')).length;
    console.log(
      `${label}: per call ${(ours.length / n).toFixed(1)} keyed commands, ` +
        `${(inflight.length / n).toFixed(1)} on the in-flight table, ` +
        `exec (transactions, shared Redis so approximate) ${(execs / n).toFixed(1)}`,
    );
    console.log('  sample:', [...new Set(ours.map((l) => l.split(' ')[0]))].join(','));
    console.log('  in-flight commands:', inflight.map((l) => l.split(' ')[0]).join(',') || 'none');
  };
  await measure(
    'tools/call echo (JSON answer)',
    () => client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }),
    20,
  );
  await measure(
    'tools/call slow, 4 progress events (SSE answer)',
    () =>
      client.callTool({ name: 'alpha__slow', arguments: { steps: 4, delayMs: 5 } }, undefined, {
        onprogress: () => undefined,
      }),
    10,
  );
  monitorConn.disconnect();
  await client.close();
  await h.close();
  process.exit(0);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
