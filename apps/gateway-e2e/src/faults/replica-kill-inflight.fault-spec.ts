import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { connectClient } from '../support/mcp-client';

const SESSIONS = Number(process.env['FAULTS_INFLIGHT_SESSIONS'] ?? 8);
const CALLS_PER_SESSION = 3;
const STEPS = 8;
const STEP_MS = 250;

/** A load balancer with affinity: always the primary replica, the other only when it refuses. */
function stickyFetch(primary: string, fallback: string): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    let lastError: unknown;
    for (const base of [primary, fallback]) {
      url.host = new URL(base).host;
      try {
        return await fetch(url, init);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };
}

interface CallFigure {
  session: number;
  call: number;
  outcome: 'succeeded' | 'lost';
  progress: number[];
  detail?: string;
}

/**
 * Replica A is SIGKILLed while several sessions have slow calls in flight on it (progress
 * already streaming). Each client is the official SDK client behind a sticky balancer: its
 * POST stream breaks, it reconnects to B with GET + Last-Event-ID, and B takes the calls over
 * from the upstream's resumable streams. Every call must finish with its full progress
 * sequence, exactly once, and the next calls of the same sessions run on B.
 */
describe('fault: the replica relaying in-flight calls is SIGKILLed', () => {
  let h: GatewayHarness;
  let a: GatewayProcess;
  let b: GatewayProcess;
  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 0,
      env: { REPLICA_HEARTBEAT_MS: '250', REPLICA_DEAD_AFTER_MS: '1500' },
    });
    [a, b] = await Promise.all([startGatewayProcess(h.env), startGatewayProcess(h.env)]);
  }, 120_000);
  afterAll(async () => {
    a?.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await h?.close();
  }, 60_000);

  it('finishes every call on the surviving replica: none lost, no progress event lost or repeated', async () => {
    const clients: Client[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const { client } = await connectClient(a.url, h.member.token, {
        fetch: stickyFetch(a.url, b.url),
      });
      clients.push(client);
    }
    const figures: CallFigure[] = [];
    let inFlightWithProgress = 0;
    let allStreaming: () => void = () => undefined;
    const streaming = new Promise<void>((resolve) => (allStreaming = resolve));

    const run = async (client: Client, session: number) => {
      for (let call = 0; call < CALLS_PER_SESSION; call++) {
        const progress: number[] = [];
        try {
          const result = (await client.callTool(
            { name: 'alpha__slow', arguments: { steps: STEPS, delayMs: STEP_MS } },
            undefined,
            {
              timeout: 60_000,
              onprogress: (p) => {
                progress.push(p.progress);
                if (call === 0 && progress.length === 1 && ++inFlightWithProgress === SESSIONS)
                  allStreaming();
              },
            },
          )) as CallToolResult;
          const text = (result.content[0] as { text: string }).text;
          const expected = Array.from({ length: STEPS }, (_, i) => i + 1);
          const ok =
            text === `completed ${STEPS} steps` &&
            JSON.stringify(progress) === JSON.stringify(expected);
          figures.push({
            session,
            call,
            outcome: ok ? 'succeeded' : 'lost',
            progress,
            ...(ok ? {} : { detail: text }),
          });
        } catch (error) {
          figures.push({ session, call, outcome: 'lost', progress, detail: String(error) });
        }
      }
    };
    const runs = clients.map((client, i) => run(client, i));

    // Every session's first call is on A and streaming progress: kill A.
    await streaming;
    const exited = new Promise((resolve) => a.child.once('exit', resolve));
    a.child.kill('SIGKILL');
    await exited;
    await Promise.all(runs);

    const attempted = figures.length;
    const succeeded = figures.filter((f) => f.outcome === 'succeeded').length;
    const lost = figures.filter((f) => f.outcome === 'lost');
    const takenOver = h.upstreams.alpha.callCounts.get('slow');
    process.stdout.write(
      `replica-kill-inflight: sessions=${SESSIONS} attempted=${attempted} succeeded=${succeeded} lost=${lost.length} upstreamRuns=${takenOver}\n`,
    );
    expect(lost).toEqual([]);
    expect(attempted).toBe(SESSIONS * CALLS_PER_SESSION);
    expect(succeeded).toBe(attempted);
    // Resumed, not re-run: the upstream ran each call exactly once.
    expect(takenOver).toBe(attempted);
    await Promise.all(clients.map((c) => c.close()));
  });
});
