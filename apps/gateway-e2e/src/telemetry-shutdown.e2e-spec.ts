import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** The exported tree under `root`, for docs/observability.md (tmp/telemetry-span-tree-process.txt). */
function renderTree(root: ExportedSpan, spans: ExportedSpan[], depth = 0): string {
  const ms = Number(BigInt(root.endTimeUnixNano) - BigInt(root.startTimeUnixNano)) / 1e6;
  const children = spans
    .filter((s) => s.parentSpanId === root.spanId)
    .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))
    .map((child) => renderTree(child, spans, depth + 1));
  return [
    `${'  '.repeat(depth)}${root.name} [${KINDS[root.kind]}] ${ms.toFixed(1)} ms`,
    ...children,
  ].join('\n');
}

/** An OTLP/HTTP (JSON) trace collector in the test: every span received, with when it came. */
async function startCollector(): Promise<{
  url: string;
  spans: (ExportedSpan & { receivedAt: number })[];
  server: Server;
}> {
  const spans: (ExportedSpan & { receivedAt: number })[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const receivedAt = Date.now();
        const parsed = JSON.parse(body) as {
          resourceSpans?: { scopeSpans?: { spans?: ExportedSpan[] }[] }[];
        };
        for (const resource of parsed.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? [])
            for (const span of scope.spans ?? []) spans.push({ ...span, receivedAt });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, spans, server };
}

const SERVER = 2; // OTLP SpanKind
const CLIENT = 3;

describe('telemetry of a gateway process (preload, real instrumentations, OTLP export)', () => {
  let h: GatewayHarness;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 0 });
    collector = await startCollector();
    gateway = await startGatewayProcess({
      ...h.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'gateway-e2e',
      OTEL_METRICS_EXPORTER: 'prometheus',
      // Spans wait in the batch processor for 10 minutes: only the shutdown flush sends them.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100000',
      OTEL_BSP_MAX_QUEUE_SIZE: '100000',
    });
  }, 90_000);
  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    collector?.server.close();
    await h.close();
  });

  it("exports a call's spans on SIGTERM, before the process exits", async () => {
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const { client } = await connectClient(gateway.url, h.admin.token, {
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('traceparent', `00-${traceId}-${clientSpanId}-01`);
        return fetch(input, { ...init, headers });
      },
    });
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'flush me' } });
    await client.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(collector.spans.filter((s) => s.traceId === traceId)).toEqual([]);

    const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
      gateway.child.once('exit', (code) => resolve({ code, at: Date.now() })),
    );
    gateway.child.kill('SIGTERM');
    const { code, at } = await exited;
    expect(code).toBe(0);

    const spans = collector.spans.filter((s) => s.traceId === traceId);
    const server = spans.find((s) => s.name === 'tools/call alpha__echo');
    expect(server).toMatchObject({ kind: SERVER, parentSpanId: clientSpanId });
    const upstream = spans.find((s) => s.name === 'tools/call echo');
    expect(upstream).toMatchObject({ kind: CLIENT, parentSpanId: server?.spanId });
    // The MCP client span is the hop's HTTP client span too: it names the upstream's address,
    // and undici adds no `POST` under it (the relay wrote the trace headers itself).
    const attribute = (key: string) => upstream?.attributes?.find((a) => a.key === key)?.value;
    expect(attribute('server.address')).toEqual({ stringValue: '127.0.0.1' });
    expect(Number(attribute('server.port')?.intValue)).toBe(h.upstreams.alpha.port);
    expect(spans.filter((s) => s.parentSpanId === upstream?.spanId)).toEqual([]);
    // undici still traces an upstream request sent without trace headers: the upstream
    // session's initialize, opened while the client's initialize was answered.
    const initialize = spans.find((s) => s.name === 'initialize' && s.kind === SERVER);
    const undiciPosts = spans.filter((s) => s.name === 'POST' && s.kind === CLIENT);
    expect(undiciPosts.length).toBeGreaterThan(0);
    for (const post of undiciPosts) expect(post.parentSpanId).toBe(initialize?.spanId);
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['authenticate', 'policy.evaluate']),
    );
    // No HTTP server span around the MCP span: the MCP span is the server span.
    expect(spans.filter((s) => s.kind === SERVER).map((s) => s.name)).not.toContain('POST');
    for (const span of spans) expect(span.receivedAt).toBeLessThanOrEqual(at);
    const outDir = join(__dirname, '../../../tmp');
    mkdirSync(outDir, { recursive: true });
    if (server)
      writeFileSync(
        join(outDir, 'telemetry-span-tree-process.txt'),
        `${renderTree(server, spans)}\n`,
      );

    // What the upstream received: one traceparent header and params._meta, both naming the MCP
    // client span.
    const calls = h.upstreams.alpha.receivedHeaders.filter(
      (r) => (r.body as { method?: string } | undefined)?.method === 'tools/call',
    );
    const headers: IncomingHttpHeaders | undefined = calls.at(-1)?.headers;
    expect(headers?.['traceparent']).toBe(`00-${traceId}-${upstream?.spanId}-01`);
    const meta = (calls.at(-1)?.body as { params?: { _meta?: Record<string, unknown> } })?.params
      ?._meta;
    expect(meta?.['traceparent']).toBe(`00-${traceId}-${upstream?.spanId}-01`);
  }, 60_000);
});
