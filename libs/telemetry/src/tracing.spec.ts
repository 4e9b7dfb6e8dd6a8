import { Writable } from 'node:stream';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createLogger } from './logger';
import { describeMcpRequest } from './trace-attributes';
import { injectTraceHeaders, linkTo, startServerSpan, withSpan } from './tracing';
import { otlpMetricsEnabled, tracesEnabled } from './sdk';

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

  it('leaves outgoing headers as they are', () => {
    expect(injectTraceHeaders({ traceparent: 'from-client' })).toEqual({
      traceparent: 'from-client',
    });
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

describe('configuration switches', () => {
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
