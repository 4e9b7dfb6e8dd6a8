import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

// Every logger the harness creates writes here too, so the test can read what a call logged.
jest.mock('@gatehouse/telemetry', () => {
  const actual = jest.requireActual<typeof import('@gatehouse/telemetry')>('@gatehouse/telemetry');
  const { Writable: WritableStream } =
    jest.requireActual<typeof import('node:stream')>('node:stream');
  const lines: string[] = [];
  const capture = new WritableStream({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return {
    ...actual,
    capturedLogLines: lines,
    createLogger: (service: string, level: Parameters<typeof actual.createLogger>[1]) =>
      actual.createLogger(service, level, capture),
  };
});
const logLines = (): string[] =>
  jest.requireMock<{ capturedLogLines: string[] }>('@gatehouse/telemetry').capturedLogLines;

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** Sends initialize to replica A and everything after it to replica B, with a client traceparent. */
function initializeOnAThenB(a: string, b: string, traceparent: string): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const initializing = typeof init?.body === 'string' && init.body.includes('"initialize"');
    url.host = new URL(initializing ? a : b).host;
    const headers = new Headers(init?.headers);
    headers.set('traceparent', traceparent);
    return fetch(url, { ...init, headers });
  };
}

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `params._meta.traceparent` of every tools/call an upstream fixture received. */
function metaTraceparents(received: { body?: unknown }[]): string[] {
  return received.flatMap(({ body }) => {
    const message = body as
      { method?: string; params?: { _meta?: { traceparent?: unknown } } } | undefined;
    const traceparent = message?.params?._meta?.traceparent;
    return message?.method === 'tools/call' && typeof traceparent === 'string' ? [traceparent] : [];
  });
}

const childrenOf = (parent: ReadableSpan, spans: ReadableSpan[]) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

const SHOWN_ATTRIBUTES = [
  'mcp.method.name',
  'gen_ai.tool.name',
  'gen_ai.operation.name',
  'gatehouse.upstream',
  'gatehouse.policy.decision',
  'gatehouse.outcome',
  'error.type',
];

/** The span tree as text, for docs/observability.md (written to tmp/telemetry-span-tree.txt). */
function renderTree(root: ReadableSpan, spans: ReadableSpan[], depth = 0): string {
  const ms = (root.duration[0] * 1e3 + root.duration[1] / 1e6).toFixed(1);
  const attrs = SHOWN_ATTRIBUTES.filter((k) => root.attributes[k] !== undefined)
    .map((k) => `${k}=${String(root.attributes[k])}`)
    .join(' ');
  const line = `${'  '.repeat(depth)}${root.name} [${SpanKind[root.kind]}] ${ms} ms ${attrs}`;
  const children = childrenOf(root, spans)
    .sort((x, y) => x.startTime[0] - y.startTime[0] || x.startTime[1] - y.startTime[1])
    .map((child) => renderTree(child, spans, depth + 1));
  return [line.trimEnd(), ...children].join('\n');
}

function counterValue(metricsText: string, name: string, labels: Record<string, string>): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .filter((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('OpenTelemetry through the gateway (two replicas)', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    provider.register();
    h = await startGatewayHarness({ env: { LOG_LEVEL: 'trace' } });
    // Created before any call loads the tenant's rules, so no replica has them cached yet.
    await h.runtimes[0]!.repos.policies.create(h.tenant.id, {
      name: 'nobody-may-add-on-alpha',
      effect: 'deny',
      subjects: ['*'],
      targets: { upstream: 'alpha', tool: 'add' },
    });
  });
  afterAll(async () => {
    await h.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  const clientTraceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  let server: ReadableSpan;
  let sessionId: string | undefined;

  it('continues the client trace: tools/call on B → authenticate, policy, upstream client span', async () => {
    const [a, b] = h.gateways.map((g) => g.url) as [string, string];
    const fetchVia = initializeOnAThenB(a, b, `00-${clientTraceId}-${clientSpanId}-01`);
    const { client, transport } = await connectClient(a, h.member.token, { fetch: fetchVia });
    sessionId = transport.sessionId;
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'traced' } });

    server = await waitFor(
      () =>
        exporter
          .getFinishedSpans()
          .find((s) => s.name === 'tools/call alpha__echo' && s.kind === SpanKind.SERVER),
      'the tools/call server span',
    );
    expect(server.spanContext().traceId).toBe(clientTraceId);
    expect(server.parentSpanContext?.spanId).toBe(clientSpanId);
    expect(server.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'mcp.session.id': sessionId,
      'mcp.protocol.version': expect.any(String),
      'jsonrpc.request.id': expect.any(String),
      'gen_ai.tool.name': 'alpha__echo',
      'gen_ai.operation.name': 'execute_tool',
      'gatehouse.tenant.id': h.tenant.id,
      'gatehouse.person.id': h.member.person.id,
      'gatehouse.auth.method': 'token',
      'gatehouse.auth.token_id': expect.any(String),
      'gatehouse.policy.decision': 'allow',
      'gatehouse.policy.matched_rules': [expect.any(String)],
      'gatehouse.upstream': 'alpha',
      'gatehouse.outcome': 'ok',
    });

    const spans = exporter
      .getFinishedSpans()
      .filter((s) => s.spanContext().traceId === clientTraceId);
    const children = childrenOf(server, spans);
    expect(children.map((s) => s.name)).toEqual(
      expect.arrayContaining(['authenticate', 'policy.evaluate', 'tools/call echo']),
    );
    const policy = children.find((s) => s.name === 'policy.evaluate');
    expect(policy?.attributes).toMatchObject({
      'gatehouse.policy.decision': 'allow',
      'gen_ai.tool.name': 'echo',
    });
    const upstreamCall = children.find((s) => s.name === 'tools/call echo');
    expect(upstreamCall?.kind).toBe(SpanKind.CLIENT);
    expect(upstreamCall?.attributes['gatehouse.upstream']).toBe('alpha');

    // The fixture upstream received this trace, with the upstream client span as parent.
    const parents = h.upstreams.alpha.receivedHeaders
      .map((r) => r.headers['traceparent'])
      .filter((t): t is string => typeof t === 'string');
    expect(parents).toContain(`00-${clientTraceId}-${upstreamCall?.spanContext().spanId}-01`);
    // ... and in the JSON-RPC request itself, params._meta.traceparent (SEP-414).
    expect(metaTraceparents(h.upstreams.alpha.receivedHeaders)).toContain(
      `00-${clientTraceId}-${upstreamCall?.spanContext().spanId}-01`,
    );

    // initialize ran on replica A in the same trace.
    expect(spans.some((s) => s.name === 'initialize' && s.kind === SpanKind.SERVER)).toBe(true);

    const outDir = join(__dirname, '../../../tmp');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'telemetry-span-tree.txt'), `${renderTree(server, spans)}\n`);
    await client.close();
  });

  it('continues a trace context sent in _meta and replaces it with its own towards the upstream', async () => {
    const metaTraceId = randomBytes(16).toString('hex');
    const metaSpanId = randomBytes(8).toString('hex');
    const caller = await h.addCaller(['member']);
    const { client } = await connectClient(h.gateways[0]!.url, caller.token);
    await client.callTool({
      name: 'beta__echo',
      arguments: { text: 'meta' },
      _meta: { traceparent: `00-${metaTraceId}-${metaSpanId}-01`, tracestate: 'client=1' },
    });
    const call = await waitFor(
      () =>
        exporter
          .getFinishedSpans()
          .find(
            (s) => s.name === 'tools/call beta__echo' && s.spanContext().traceId === metaTraceId,
          ),
      'the server span continuing the _meta trace',
    );
    expect(call.kind).toBe(SpanKind.SERVER);
    expect(call.parentSpanContext?.spanId).toBe(metaSpanId);
    const upstreamCall = childrenOf(call, exporter.getFinishedSpans()).find(
      (s) => s.name === 'tools/call echo',
    );
    expect(upstreamCall?.kind).toBe(SpanKind.CLIENT);
    const sent = metaTraceparents(h.upstreams.beta.receivedHeaders).filter((t) =>
      t.includes(metaTraceId),
    );
    // The gateway's own span is the parent the upstream sees, never the client's span.
    expect(sent).toEqual([`00-${metaTraceId}-${upstreamCall?.spanContext().spanId}-01`]);
    await client.close();
  });

  it('marks a call refused by policy with its decision and error.type', async () => {
    const caller = await h.addCaller(['member']);
    const { client } = await connectClient(h.gateways[1]!.url, caller.token);
    await expect(
      client.callTool({ name: 'alpha__add', arguments: { a: 1, b: 2 } }),
    ).rejects.toThrow(/denied/);
    const denied = await waitFor(
      () =>
        exporter
          .getFinishedSpans()
          .find(
            (s) =>
              s.name === 'tools/call alpha__add' &&
              s.attributes['gatehouse.person.id'] === caller.person.id,
          ),
      'the denied call span',
    );
    expect(denied.attributes).toMatchObject({
      'gatehouse.policy.decision': 'deny',
      'gatehouse.outcome': 'denied',
      'error.type': '-32003',
    });
    await client.close();
  });

  it('serves Prometheus metrics on /metrics that move with calls', async () => {
    const read = async () => (await fetch(`${h.gateways[1]!.url}/metrics`)).text();
    const labels = { mcp_method_name: 'tools/call', gatehouse_upstream: 'beta' };
    const before = await read();
    const { client } = await connectClient(h.gateways[1]!.url, h.admin.token);
    await client.callTool({ name: 'beta__echo', arguments: { text: '1' } });
    await client.callTool({ name: 'beta__echo', arguments: { text: '2' } });
    const after = await read();
    expect(
      counterValue(after, 'gatehouse_mcp_requests_total', labels) -
        counterValue(before, 'gatehouse_mcp_requests_total', labels),
    ).toBe(2);
    expect(
      counterValue(after, 'gatehouse_mcp_request_duration_count', labels) -
        counterValue(before, 'gatehouse_mcp_request_duration_count', labels),
    ).toBe(2);
    // The upstream's share of each call, with no error_type label for a successful one.
    const upstreamCount = (text: string) =>
      counterValue(text, 'gatehouse_upstream_request_duration_count', labels);
    expect(upstreamCount(after) - upstreamCount(before)).toBe(2);
    expect(after).not.toMatch(
      /gatehouse_upstream_request_duration_count\{[^}]*gatehouse_upstream="beta"[^}]*error_type=/,
    );
    const upstreamSeconds =
      counterValue(after, 'gatehouse_upstream_request_duration_sum', labels) -
      counterValue(before, 'gatehouse_upstream_request_duration_sum', labels);
    const requestSeconds =
      counterValue(after, 'gatehouse_mcp_request_duration_sum', labels) -
      counterValue(before, 'gatehouse_mcp_request_duration_sum', labels);
    expect(upstreamSeconds).toBeGreaterThan(0);
    expect(upstreamSeconds).toBeLessThan(requestSeconds);
    expect(counterValue(after, 'gatehouse_sessions_active', {})).toBeGreaterThan(0);
    expect(after).toMatch(/# TYPE gatehouse_mcp_request_duration histogram/);
    await client.close();
  });

  it('logs with trace_id and span_id during a call and never logs the bearer token', () => {
    const lines = logLines();
    expect(lines.length).toBeGreaterThan(0);
    const requestLine = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find(
        (line) =>
          line['msg'] === 'mcp request' &&
          line['method'] === 'tools/call' &&
          line['sessionId'] === sessionId,
      );
    expect(requestLine).toMatchObject({
      trace_id: clientTraceId,
      span_id: server.spanContext().spanId,
    });
    for (const token of [h.member.token, h.admin.token]) {
      expect(lines.join('\n')).not.toContain(token);
      expect(lines.join('\n')).not.toContain(token.slice(4));
    }
    const spanText = JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes));
    expect(spanText).not.toContain(h.member.token);
  });
});
