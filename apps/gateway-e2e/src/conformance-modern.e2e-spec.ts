import { execFile } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { startModernFixtureUpstream, type ModernFixtureUpstream } from '@gatehouse/testing';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const run = promisify(execFile);

/**
 * The official conformance suite (`@modelcontextprotocol/conformance` 0.2.0-alpha.12, needs
 * Node >= 22) with `--requirements 2026-07-28`, against the modern fixture directly and through
 * the gateway's /mcp/:upstream: the gateway must pass what the fixture passes. It needs the
 * suite's CLI and a Node 24 binary, so it runs only when both are given:
 *   CONFORMANCE_CLI=<dir>/node_modules/@modelcontextprotocol/conformance/dist/index.js
 *   CONFORMANCE_NODE="$(bash tools/node24.sh)/node"
 */
const cli = process.env['CONFORMANCE_CLI'];
const node = process.env['CONFORMANCE_NODE'];
const describeIfSuite = cli && node ? describe : describe.skip;

jest.setTimeout(900_000);

interface Totals {
  passed: number;
  failed: number;
  failing: string[];
  /** Scenario → "n passed, m failed". */
  scenarios: Map<string, string>;
}

async function conformance(url: string): Promise<Totals> {
  const { stdout } = await run(
    node ?? 'node',
    [cli ?? '', 'server', '--url', url, '--requirements', '2026-07-28'],
    { maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const total = /Total: (\d+) passed, (\d+) failed/.exec(stdout);
  if (!total) throw new Error(`no totals in the conformance output:\n${stdout.slice(-2000)}`);
  const scored = stdout.split('Not scored for')[0] ?? stdout;
  const failing = [...scored.matchAll(/^✗ ([\w-]+):/gm)].map((m) => m[1] ?? '');
  const scenarios = new Map(
    [...scored.matchAll(/^[✓✗] ([\w-]+): (.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  return { passed: Number(total[1]), failed: Number(total[2]), failing, scenarios };
}

/** The suite sends no credentials: this proxy adds the caller's bearer, nothing else. */
async function bearerProxy(target: string, token: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(target);
    const upstream = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: req.method,
        headers: { ...req.headers, host: url.host, authorization: `Bearer ${token}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describeIfSuite('conformance --requirements 2026-07-28 through /mcp/:upstream', () => {
  let h: GatewayHarness;
  let fixture: ModernFixtureUpstream;
  let proxy: Server;

  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
    fixture = await startModernFixtureUpstream({ name: 'conformance', mode: 'modern-only' });
    const { member } = await h.addTenant('conformance', { conf: fixture.url });
    proxy = await bearerProxy(`${h.gateways[0]!.url}/mcp/conf`, member.token);
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    proxy?.close();
    await h?.close();
    await fixture?.close();
  });

  it('passes through the gateway what the fixture passes directly', async () => {
    const direct = await conformance(fixture.url);
    const { port } = proxy.address() as AddressInfo;
    const gateway = await conformance(`http://127.0.0.1:${port}/mcp`);
    console.log(
      `conformance 2026-07-28: fixture ${direct.passed} passed / ${direct.failed} failed; ` +
        `through the gateway ${gateway.passed} passed / ${gateway.failed} failed\n` +
        `failing only through the gateway: ${gateway.failing.filter((s) => !direct.failing.includes(s)).join(', ')}\n` +
        `scored differently: ${[...direct.scenarios]
          .filter(([name, score]) => gateway.scenarios.get(name) !== score)
          .map(
            ([name, score]) => `${name} (${score} vs ${gateway.scenarios.get(name) ?? 'absent'})`,
          )
          .join('; ')}`,
    );
    expect(gateway.failing.filter((s) => !direct.failing.includes(s))).toEqual([]);
    expect(gateway.passed).toBeGreaterThanOrEqual(direct.passed);
  });
});
