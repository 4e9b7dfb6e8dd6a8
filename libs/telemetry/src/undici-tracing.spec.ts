import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { request } from 'undici';
import { undiciInstrumentation } from './sdk';
import { carriesTraceHeaders, injectTraceHeaders, withSpan } from './tracing';
import { upstreamServerAttributes } from './trace-attributes';

const W3C_FIELDS = new Set(['traceparent', 'tracestate', 'baggage']);

describe('carriesTraceHeaders', () => {
  it("finds a propagator field among undici's [name, value, ...] headers, in any case", () => {
    expect(carriesTraceHeaders(['accept', 'x', 'TraceParent', '00-...'], W3C_FIELDS)).toBe(true);
    expect(carriesTraceHeaders(['accept', 'traceparent'], W3C_FIELDS)).toBe(false);
    expect(carriesTraceHeaders(['x-traceparent', '1', 'traceparent-x', '2'], W3C_FIELDS)).toBe(
      false,
    );
  });

  it('reads the raw header block of older undici versions', () => {
    expect(carriesTraceHeaders('accept: x\r\ntracestate: a=b\r\n', W3C_FIELDS)).toBe(true);
    expect(carriesTraceHeaders('accept: traceparent\r\n', W3C_FIELDS)).toBe(false);
    expect(carriesTraceHeaders(undefined, W3C_FIELDS)).toBe(false);
  });
});

describe('upstreamServerAttributes', () => {
  it('gives host and port (the scheme default when none is written), never the path', () => {
    expect(upstreamServerAttributes('https://tools.example.com/mcp?key=secret')).toEqual({
      'server.address': 'tools.example.com',
      'server.port': 443,
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
    });
    expect(upstreamServerAttributes('http://[::1]:8931/mcp')).toMatchObject({
      'server.address': '::1',
      'server.port': 8931,
    });
    expect(upstreamServerAttributes('not a url')).toEqual({
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
    });
  });
});

describe('undici instrumentation next to the relay span (real HTTP)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const instrumentation = undiciInstrumentation();
  const received: IncomingHttpHeaders[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    provider.register();
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
    server = createServer((req, res) => {
      received.push(req.headers);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    instrumentation.disable();
    await new Promise((resolve) => server.close(resolve));
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => {
    exporter.reset();
    received.length = 0;
  });

  async function send(headers: Record<string, string>): Promise<void> {
    const response = await request(url, { method: 'POST', headers, body: '{}' });
    await response.body.text();
  }

  it('adds no span of its own to a request the relay span already wrote its headers into', async () => {
    await withSpan(
      'tools/call echo',
      {},
      async () => send(injectTraceHeaders({ traceparent: 'from-client', 'x-other': '1' })),
      { kind: SpanKind.CLIENT },
    );
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['tools/call echo']);
    const relay = spans[0]!.spanContext();
    // One traceparent, naming the relay's span: the upstream's HTTP and MCP parents agree.
    expect(received[0]?.['traceparent']).toBe(`00-${relay.traceId}-${relay.spanId}-01`);
    expect(received[0]?.['x-other']).toBe('1');
  });

  it('keeps its HTTP span, and writes the headers, for a request sent without them', async () => {
    await withSpan('initialize', {}, async () => send({ 'content-type': 'application/json' }), {
      kind: SpanKind.CLIENT,
    });
    const spans = exporter.getFinishedSpans();
    const http = spans.find((s) => s.name === 'POST');
    const parent = spans.find((s) => s.name === 'initialize');
    expect(http?.kind).toBe(SpanKind.CLIENT);
    expect(http?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(received[0]?.['traceparent']).toBe(
      `00-${http?.spanContext().traceId}-${http?.spanContext().spanId}-01`,
    );
  });
});
