import { execFile } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';
import { initializeBody } from './support/raw-mcp';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

/** POST /mcp with exactly these Host and Origin headers (fetch may not set Host). */
function postWithHost(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: '/mcp',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(initializeBody()));
  });
}

/**
 * Forwards every request unchanged (Host and Origin included) to the gateway, adding the
 * bearer token: the conformance scenario is written for servers without authentication.
 */
async function startBearerProxy(gatewayUrl: string, token: string): Promise<Server> {
  const target = new URL(gatewayUrl);
  const server = createServer((inbound, outbound) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: inbound.url,
        method: inbound.method,
        headers: { ...inbound.headers, authorization: `Bearer ${token}` },
      },
      (res) => {
        outbound.writeHead(res.statusCode ?? 502, res.headers);
        res.pipe(outbound);
      },
    );
    upstream.on('error', () => outbound.destroy());
    inbound.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('Origin and Host (DNS-rebinding protection)', () => {
  let h: GatewayHarness;
  let url: string;
  let token: string;
  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 1,
      env: { ALLOWED_ORIGINS: 'https://app.example.com', ALLOWED_HOSTS: 'mcp.internal' },
    });
    url = h.gateways[0]!.url;
    token = h.admin.token;
  });
  afterAll(async () => {
    await h.close();
  });

  it('accepts the gateway its own loopback origin and Host', async () => {
    const host = new URL(url).host;
    for (const origin of [`http://${host}`, `http://localhost:${new URL(url).port}`]) {
      const res = await postWithHost(url, {
        host,
        origin,
        authorization: `Bearer ${token}`,
      });
      expect({ origin, status: res.status }).toEqual({ origin, status: 200 });
    }
  });

  it('403 host_not_allowed for a browser request to a foreign Host, with a clear body', async () => {
    const res = await postWithHost(url, {
      host: 'evil.example.com',
      origin: 'http://evil.example.com',
      authorization: `Bearer ${token}`,
    });
    expect(res.status).toBe(403);
    const body = JSON.parse(res.body) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe('host_not_allowed');
    expect(body.error.message).toContain('evil.example.com');
  });

  it('403 origin_not_allowed for a foreign Origin on the gateway its own Host', async () => {
    const res = await postWithHost(url, {
      host: new URL(url).host,
      origin: 'http://evil.example.com',
      authorization: `Bearer ${token}`,
    });
    expect(res.status).toBe(403);
    expect((JSON.parse(res.body) as { error: { data: { code: string } } }).error.data.code).toBe(
      'origin_not_allowed',
    );
  });

  it('accepts a configured origin on a configured host', async () => {
    const res = await postWithHost(url, {
      host: 'mcp.internal',
      origin: 'https://app.example.com',
      authorization: `Bearer ${token}`,
    });
    expect(res.status).toBe(200);
  });

  it('passes the conformance suite its dns-rebinding-protection scenario', async () => {
    const proxy = await startBearerProxy(url, token);
    try {
      const node = (await run('bash', [join(ROOT, 'tools/node24.sh')])).stdout.trim();
      const cli = (await run('bash', [join(ROOT, 'tools/conformance.sh')])).stdout.trim();
      const port = (proxy.address() as AddressInfo).port;
      const result = await run(
        join(node, 'node'),
        [
          cli,
          'server',
          '--url',
          `http://127.0.0.1:${port}/mcp`,
          '--scenario',
          'dns-rebinding-protection',
          '--spec-version',
          '2025-11-25',
          '--verbose',
        ],
        { timeout: 120_000 },
      ).catch((error: { stdout?: string; stderr?: string }) => error);
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      expect(output).toContain('localhost-host-rebinding-rejected');
      expect(output).toContain('localhost-host-valid-accepted');
      expect(output).not.toMatch(/"status":\s*"FAILURE"/);
      expect(output).toMatch(/"status":\s*"SUCCESS"/);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  }, 240_000);
});
