import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ControlLoad, describeControl } from '../support/control-load';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import {
  startHostileUpstream,
  type Behaviour,
  type HostileUpstream,
} from '../support/hostile-upstream';
import { connectClient } from '../support/mcp-client';
import {
  describeMemory,
  memoryProbeEnv,
  mib,
  sampleMemory,
  type MemorySample,
} from '../support/process-memory';

const TIMEOUT_MS = 3_000;
const ROUNDS = Number(process.env['FAULTS_UPSTREAM_ROUNDS'] ?? 3);
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** What the client must be told for each misbehaviour: the error's data.code and its message. */
const EXPECTED: Partial<Record<Behaviour, { code: string; message: RegExp }>> = {
  hang: { code: 'upstream_timeout', message: /did not answer within 3000 ms/ },
  hang_sse: { code: 'upstream_timeout', message: /did not answer within 3000 ms/ },
  garbage: { code: 'upstream_protocol_error', message: /not valid JSON/ },
  garbage_sse: { code: 'upstream_protocol_error', message: /SSE event holds invalid JSON/ },
  not_jsonrpc: { code: 'upstream_protocol_error', message: /Invalid|JSON-RPC/i },
  not_jsonrpc_sse: { code: 'upstream_protocol_error', message: /Invalid|JSON-RPC/i },
  wrong_id: { code: 'upstream_protocol_error', message: /holds no response to request/ },
  wrong_id_sse: { code: 'upstream_protocol_error', message: /ended before the response/ },
  close_mid: {
    code: 'upstream_connection_lost',
    message: /closed the connection before its answer was complete/,
  },
  close_mid_sse: {
    code: 'upstream_connection_lost',
    message: /closed the connection before its answer was complete/,
  },
  status_500: { code: 'upstream_http_error', message: /answered HTTP 500/ },
  huge: { code: 'upstream_response_too_large', message: /larger than 16777216 bytes/ },
  huge_sse: { code: 'upstream_response_too_large', message: /larger than 16777216 bytes/ },
};
const FAULTS = Object.keys(EXPECTED) as Behaviour[];

interface Outcome {
  behaviour: Behaviour;
  ms: number;
  code?: string;
  message: string;
  rpcCode?: number;
}

async function callHostile(client: Client, behaviour: Behaviour): Promise<Outcome> {
  const started = performance.now();
  try {
    const result = (await client.callTool(
      { name: `hostile__${behaviour}`, arguments: {} },
      undefined,
      { timeout: 60_000 },
    )) as CallToolResult;
    return {
      behaviour,
      ms: performance.now() - started,
      message: `unexpected result: ${JSON.stringify(result).slice(0, 200)}`,
    };
  } catch (error) {
    const ms = performance.now() - started;
    if (error instanceof McpError) {
      const data = error.data as { code?: string } | undefined;
      return {
        behaviour,
        ms,
        message: error.message,
        rpcCode: error.code,
        ...(data?.code ? { code: data.code } : {}),
      };
    }
    return { behaviour, ms, message: `not a JSON-RPC error: ${String(error)}` };
  }
}

/**
 * Upstreams that hang, answer garbage, cut the connection mid-answer, answer 500 or send 50 MB,
 * each both as application/json and as text/event-stream. The gateway runs as its own process
 * (so "no crash" and its memory are measured honestly); well-behaved sessions keep calling
 * another upstream the whole time.
 */
describe('fault: hostile upstreams', () => {
  let h: GatewayHarness;
  let hostile: HostileUpstream;
  const listHostiles: Record<string, HostileUpstream> = {};
  let gw: GatewayProcess;
  let baseline: MemorySample;

  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 0,
      env: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
    const repos = h.runtimes[0]!.repos;
    hostile = await startHostileUpstream();
    await repos.upstreams.create(h.tenant.id, {
      slug: 'hostile',
      name: 'hostile',
      url: hostile.url,
      annotationsTrusted: true,
    });
    for (const list of ['hang', 'garbage', 'status_500', 'huge'] as const) {
      listHostiles[list] = await startHostileUpstream({ list });
      await repos.upstreams.create(h.tenant.id, {
        slug: `list-${list.replace('_', '')}`,
        name: `tools/list ${list}`,
        url: listHostiles[list].url,
        annotationsTrusted: true,
      });
    }
    gw = await startGatewayProcess({ ...h.env, ...memoryProbeEnv() });
  }, 120_000);

  afterAll(async () => {
    gw?.child.kill('SIGKILL');
    await hostile?.close();
    await Promise.all(Object.values(listHostiles).map((u) => u.close()));
    await h?.close();
  }, 60_000);

  it('gives each client a clear error within the timeout while other sessions and upstreams keep working, memory bounded', async () => {
    const controls = await Promise.all(
      [0, 1].map(async () => (await connectClient(gw.url, h.member.token)).client),
    );
    const victims = await Promise.all(
      [0, 1].map(async () => (await connectClient(gw.url, h.member.token)).client),
    );
    // Warm up (tool catalog, JIT, pools) before the baseline.
    for (const c of [...controls, ...victims])
      await c.callTool({ name: 'alpha__echo', arguments: { text: 'warm' } });
    await victims[0]!.callTool({ name: 'hostile__ok', arguments: {} });
    await victims[1]!.callTool({ name: 'hostile__ok_sse', arguments: {} });
    baseline = await sampleMemory(gw);

    const load = new ControlLoad(controls, `${gw.url}/healthz`).start();
    const outcomes: Outcome[] = [];
    const peaks: MemorySample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Every misbehaviour at once, spread over two sessions; the same sessions also call a
      // healthy upstream while their hostile calls are pending.
      const sameSession = victims.map(async (client, i) => {
        await new Promise((r) => setTimeout(r, 500));
        const result = (await client.callTool({
          name: 'beta__echo',
          arguments: { text: `same-session ${round}/${i}` },
        })) as CallToolResult;
        return (result.content[0] as { text: string }).text === `same-session ${round}/${i}`;
      });
      const calls = FAULTS.map((behaviour, i) => callHostile(victims[i % 2]!, behaviour));
      outcomes.push(...(await Promise.all(calls)));
      expect(await Promise.all(sameSession)).toEqual([true, true]);
      peaks.push(await sampleMemory(gw));
    }
    const control = await load.stop();
    await new Promise((r) => setTimeout(r, 500));
    const after = await sampleMemory(gw);

    const lines = outcomes.map(
      (o) =>
        `${o.behaviour.padEnd(16)} ${String(Math.round(o.ms)).padStart(5)} ms  ${o.rpcCode ?? '-'} ${o.code ?? '-'}: ${o.message}`,
    );
    const worst = Object.fromEntries(
      FAULTS.map((b) => [
        b,
        Math.round(Math.max(...outcomes.filter((o) => o.behaviour === b).map((o) => o.ms))),
      ]),
    );
    const peak = peaks.reduce((a, b) => (b.peakRss > a.peakRss ? b : a));
    process.stdout.write(
      [
        `upstream-hostile: rounds=${ROUNDS} hostile calls=${outcomes.length} timeout=${TIMEOUT_MS} ms`,
        ...lines.slice(0, FAULTS.length),
        `slowest error per fault (ms): ${JSON.stringify(worst)}`,
        describeControl(control),
        `memory: ${describeMemory(baseline, peak, after)}`,
        `hostile upstream: abandoned=${JSON.stringify(Object.fromEntries(hostile.abandoned))} cancellations=${hostile.cancellations} huge bytes sent=${mib(hostile.bytesSent.get('huge') ?? 0)}, huge_sse=${mib(hostile.bytesSent.get('huge_sse') ?? 0)} open sockets=${hostile.openSockets()}`,
        '',
      ].join('\n'),
    );

    for (const o of outcomes) {
      const expected = EXPECTED[o.behaviour]!;
      expect({ behaviour: o.behaviour, code: o.code, message: o.message }).toEqual({
        behaviour: o.behaviour,
        code: expected.code,
        message: expect.stringMatching(expected.message),
      });
      expect(o.message).toMatch(/Upstream "hostile"/);
    }
    expect(control.lost).toBe(0);
    expect(control.failures).toEqual([]);
    expect(control.attempted).toBeGreaterThan(20);
    expect(control.healthOk).toBe(control.healthProbes);
    // Not buffered whole: reading stopped at the cap (plus what sat in socket buffers).
    const perHuge = (hostile.bytesSent.get('huge') ?? 0) / ROUNDS;
    expect(perHuge).toBeLessThan(MAX_RESPONSE_BYTES + 8 * 1024 * 1024);
    // Several 16 MB answers were refused at once; the process never held anything like 50 MB each.
    expect(peak.peakRss - baseline.rss).toBeLessThan(400 * 1024 * 1024);
    // And it gives the memory back.
    expect(after.heapUsed - baseline.heapUsed).toBeLessThan(20 * 1024 * 1024);
    expect(gw.child.exitCode).toBeNull();
    await Promise.all([...controls, ...victims].map((c) => c.close()));
  });

  it('leaves out of an aggregated tools/list the upstreams whose tools/list hangs, is garbage, 500 or 50 MB; a passthrough session gets the error', async () => {
    const { client } = await connectClient(gw.url, h.member.token);
    const started = performance.now();
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const ms = performance.now() - started;
    const upstreams = new Set(tools.map((t) => t.split('__')[0]));
    process.stdout.write(
      `upstream-hostile tools/list: ${Math.round(ms)} ms, upstreams listed: ${[...upstreams].join(', ')}\n`,
    );
    expect([...upstreams].sort()).toEqual(['alpha', 'beta', 'hostile']);
    await client.close();

    for (const [list, slug, expected] of [
      ['hang', 'list-hang', /did not answer within 3000 ms/],
      ['garbage', 'list-garbage', /not valid JSON/],
      ['status_500', 'list-status500', /answered HTTP 500/],
      ['huge', 'list-huge', /larger than 16777216 bytes/],
    ] as const) {
      const passthrough = await connectClient(gw.url, h.member.token, { path: `/mcp/${slug}` });
      const t0 = performance.now();
      const error = await passthrough.client.listTools().then(
        () => undefined,
        (e: unknown) => e,
      );
      const elapsed = performance.now() - t0;
      process.stdout.write(
        `upstream-hostile passthrough tools/list ${list}: ${Math.round(elapsed)} ms: ${String(error)}\n`,
      );
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).message).toMatch(expected);
      await passthrough.client.close();
    }
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
    expect(gw.child.exitCode).toBeNull();
  });
});
