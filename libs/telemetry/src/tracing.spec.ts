import { Writable } from 'node:stream';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createLogger } from './logger';
import { describeMcpRequest } from './trace-attributes';
import { suppressTracing } from '@opentelemetry/core';
import {
  gatehouseTracer,
  injectTraceHeaders,
  injectTraceMeta,
  linkTo,
  startServerSpan,
  withSpan,
} from './tracing';
import { ignoredIncomingPath, otlpMetricsEnabled, tracesEnabled } from './sdk';
import { registerTelemetry, shutdownTelemetry } from './lifecycle';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

describe('without an SDK (telemetry not configured)', () => {
  it('runs withSpan work and adds no trace fields to log lines', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('gateway', 'info', stream);
    await expect(withSpan('work', {}, async () => (logger.info('inside'), 42))).resolves.toBe(42);
    expect(JSON.parse(lines[0] ?? '{}')).not.toHaveProperty('trace_id');
  });

  it('leaves outgoing headers and _meta as they are', () => {
    expect(injectTraceHeaders({ traceparent: 'from-client' })).toEqual({
      traceparent: 'from-client',
    });
    const params = { name: 'echo', _meta: { traceparent: 'from-client' } };
    expect(injectTraceMeta(params)).toBe(params);
    expect(injectTraceMeta(undefined)).toBeUndefined();
  });
});

describe('with an SDK registered', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  it('continues the traceparent of the incoming request and injects its own downstream', async () => {
    const { span, run } = startServerSpan('tools/call echo', {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
    });
    const headers = await run(() =>
      withSpan('upstream', {}, async () => injectTraceHeaders({}), { kind: SpanKind.CLIENT }),
    );
    span.end();
    const [client, server] = exporter.getFinishedSpans();
    expect(server?.spanContext().traceId).toBe(TRACE_ID);
    expect(server?.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(client?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(headers['traceparent']).toBe(`00-${TRACE_ID}-${client?.spanContext().spanId}-01`);
  });

  it('prefers the traceparent in _meta to the HTTP header, and ignores a suppressed active context', () => {
    const metaSpanId = '00f067aa0ba902b7';
    const { span } = context.with(suppressTracing(context.active()), () =>
      startServerSpan(
        'tools/call echo',
        { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
        { traceparent: `00-${TRACE_ID}-${metaSpanId}-01`, progressToken: 1 },
      ),
    );
    span.end();
    const [server] = exporter.getFinishedSpans();
    expect(server?.spanContext().traceId).toBe(TRACE_ID);
    expect(server?.parentSpanContext?.spanId).toBe(metaSpanId);
  });

  it('falls back to the headers when the traceparent in _meta is malformed', () => {
    const { span } = startServerSpan(
      'tools/call echo',
      { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
      { traceparent: 'not-a-traceparent' },
    );
    span.end();
    expect(exporter.getFinishedSpans()[0]?.parentSpanContext?.spanId).toBe(PARENT_ID);
  });

  it('puts the active span in _meta, replacing the client trace context, without touching the params', async () => {
    const params = {
      name: 'echo',
      _meta: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, tracestate: 'a=b', progressToken: 7 },
    };
    const { span, run } = startServerSpan('tools/call echo', {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
    });
    const sent = await run(() =>
      withSpan('upstream', {}, async () => injectTraceMeta(params), { kind: SpanKind.CLIENT }),
    );
    span.end();
    const client = exporter.getFinishedSpans().find((s) => s.name === 'upstream');
    expect(sent).toEqual({
      name: 'echo',
      _meta: { traceparent: `00-${TRACE_ID}-${client?.spanContext().spanId}-01`, progressToken: 7 },
    });
    expect(params._meta.traceparent).toBe(`00-${TRACE_ID}-${PARENT_ID}-01`);
    const bare = await run(() => injectTraceMeta(undefined));
    expect(bare).toEqual({ _meta: { traceparent: expect.stringMatching(/^00-/) } });
  });

  it("replaces the client's trace headers with the active span's, keeping the others", async () => {
    const { headers, spanId } = await withSpan('upstream', {}, async (span) => ({
      headers: injectTraceHeaders({
        traceparent: 'from-client',
        tracestate: 'a=b',
        'x-other': '1',
      }),
      spanId: span.spanContext().spanId,
    }));
    expect(headers).toEqual({
      traceparent: expect.stringContaining(`-${spanId}-01`),
      'x-other': '1',
    });
  });

  it('writes trace_id and span_id on log lines inside a span', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('gateway', 'info', stream);
    const ids = await withSpan('work', {}, async (span) => {
      logger.info('inside');
      return span.spanContext();
    });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      trace_id: ids.traceId,
      span_id: ids.spanId,
    });
  });

  it('records a thrown error with its code as error.type and rethrows it', async () => {
    const failure = Object.assign(new Error('upstream timed out'), { code: 'upstream_timeout' });
    await expect(
      withSpan('call', {}, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(exporter.getFinishedSpans()[0]?.attributes['error.type']).toBe('upstream_timeout');
  });

  it('links only valid span contexts', () => {
    expect(linkTo(TRACE_ID, PARENT_ID)?.context.traceId).toBe(TRACE_ID);
    expect(linkTo(undefined, PARENT_ID)).toBeUndefined();
    expect(linkTo('0'.repeat(32), PARENT_ID)).toBeUndefined();
  });
});

describe('describeMcpRequest', () => {
  it('names a tools/call after the tool and marks it execute_tool', () => {
    expect(describeMcpRequest('tools/call', 7, { name: 'github__search' })).toEqual({
      spanName: 'tools/call github__search',
      attributes: {
        'mcp.method.name': 'tools/call',
        'jsonrpc.request.id': '7',
        'gen_ai.tool.name': 'github__search',
        'gen_ai.operation.name': 'execute_tool',
      },
    });
  });

  it('keeps resource URIs out of the span name (cardinality)', () => {
    expect(describeMcpRequest('resources/read', 1, { uri: 'file:///a' }).spanName).toBe(
      'resources/read',
    );
  });
});

describe('shutdownTelemetry', () => {
  it('waits for the SDK to flush, once, and gives up after its timeout', async () => {
    let flushes = 0;
    registerTelemetry({
      tracing: true,
      shutdown: () => {
        flushes += 1;
        return new Promise(() => undefined); // a collector that never answers
      },
    });
    // Resolves although the SDK's shutdown never does (else the test times out).
    await shutdownTelemetry(50);
    await shutdownTelemetry(50);
    expect(flushes).toBe(1);
  });
});

describe('configuration switches', () => {
  it('leaves /mcp (the gateway makes its own server span) and the probes to nobody', () => {
    expect(ignoredIncomingPath('/mcp')).toBe(true);
    expect(ignoredIncomingPath('/mcp/github?x=1')).toBe(true);
    expect(ignoredIncomingPath('/readyz')).toBe(true);
    expect(ignoredIncomingPath('/api/v1/tenants')).toBe(false);
    expect(ignoredIncomingPath('/mcpx')).toBe(false);
  });

  it('exports traces only when an endpoint or exporter is configured', () => {
    expect(tracesEnabled({})).toBe(false);
    expect(tracesEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracesEnabled({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(
      tracesEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBe(false);
    expect(
      tracesEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
  });

  it('exports metrics over OTLP with the endpoint unless told otherwise', () => {
    expect(otlpMetricsEnabled({})).toBe(false);
    expect(otlpMetricsEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(
      otlpMetricsEnabled({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_METRICS_EXPORTER: 'prometheus',
      }),
    ).toBe(false);
  });
});

describe('gatehouseTracer', () => {
  it('follows the provider registered after it was first used (it caches per provider)', async () => {
    gatehouseTracer().startSpan('before-any-sdk').end();
    const first = new InMemorySpanExporter();
    const second = new InMemorySpanExporter();
    const a = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(first)] });
    const b = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(second)] });
    a.register();
    gatehouseTracer().startSpan('on-a').end();
    gatehouseTracer().startSpan('on-a-again').end();
    trace.disable();
    b.register();
    gatehouseTracer().startSpan('on-b').end();
    expect(first.getFinishedSpans().map((s) => s.name)).toEqual(['on-a', 'on-a-again']);
    expect(second.getFinishedSpans().map((s) => s.name)).toEqual(['on-b']);
    await Promise.all([a.shutdown(), b.shutdown()]);
    trace.disable();
    context.disable();
    propagation.disable();
  });
});
