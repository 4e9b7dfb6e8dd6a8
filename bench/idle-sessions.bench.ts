/**
 * Memory of one gateway replica holding N idle sessions, each with its standalone GET stream
 * open (issue: bounded memory per replica). The replica is a separate process; its RSS is read
 * from /proc before and after.
 *
 *   npx tsx --tsconfig tsconfig.base.json bench/idle-sessions.bench.ts [sessions=1000]
 */
import { readFileSync } from 'node:fs';
import { startGatewayHarness } from '../apps/gateway-e2e/src/support/gateway-harness';
import { startGatewayProcess } from '../apps/gateway-e2e/src/support/gateway-process';
import { initializeBody, rawMcp } from '../apps/gateway-e2e/src/support/raw-mcp';

const SESSIONS = Number(process.argv[2] ?? 1000);

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

async function main(): Promise<void> {
  const h = await startGatewayHarness({ replicas: 0 });
  const gateway = await startGatewayProcess(h.env);
  const pid = gateway.child.pid ?? 0;
  const streams: AbortController[] = [];
  try {
    // Warm up the replica (JIT, connection pools, caches) before the baseline.
    for (let i = 0; i < 20; i++)
      await rawMcp(gateway.url, initializeBody(), { token: h.admin.token });
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssMiB(pid);
    const started = Date.now();
    for (let batch = 0; batch < SESSIONS; batch += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, SESSIONS - batch) }, async () => {
          const init = await rawMcp(gateway.url, initializeBody(), { token: h.admin.token });
          const session = init.headers.get('mcp-session-id') ?? '';
          const headers = { token: h.admin.token, session, version: '2025-11-25' };
          await rawMcp(
            gateway.url,
            { jsonrpc: '2.0', method: 'notifications/initialized' },
            headers,
          );
          const abort = new AbortController();
          streams.push(abort);
          const response = await fetch(`${gateway.url}/mcp`, {
            headers: {
              authorization: `Bearer ${h.admin.token}`,
              accept: 'text/event-stream',
              'mcp-session-id': session,
              'mcp-protocol-version': '2025-11-25',
            },
            signal: abort.signal,
          });
          if (response.status !== 200) throw new Error(`GET stream refused: ${response.status}`);
        }),
      );
      process.stderr.write(
        `\r${Math.min(batch + 50, SESSIONS)}/${SESSIONS} sessions with open streams`,
      );
    }
    await new Promise((r) => setTimeout(r, 3000));
    const after = rssMiB(pid);
    process.stderr.write('\n');
    console.log(
      '| sessions with open GET streams | RSS before (MiB) | RSS after (MiB) | per session (KiB) | setup time (s) |',
    );
    console.log('|---|---|---|---|---|');
    console.log(
      `| ${SESSIONS} | ${before.toFixed(1)} | ${after.toFixed(1)} | ${(((after - before) * 1024) / SESSIONS).toFixed(1)} | ${((Date.now() - started) / 1000).toFixed(1)} |`,
    );
  } finally {
    streams.forEach((s) => s.abort());
    gateway.child.kill('SIGKILL');
    await h.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
