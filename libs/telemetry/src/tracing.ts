import {
  context,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Link,
  type Span,
  type TextMapGetter,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

const TRACER_NAME = '@gatehouse/telemetry';

let cachedTracer: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The tracer Gatehouse code uses; a no-op until an SDK (preload or test) registers one. Kept
 * while the registered provider stays the same: `trace.getTracer` looks the tracer up by a
 * name-and-version key on every call, several times per MCP request.
 */
export function gatehouseTracer(): Tracer {
  const global = trace.getTracerProvider();
  const provider = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (cachedTracer?.provider !== provider)
    cachedTracer = { provider, tracer: provider.getTracer(TRACER_NAME) };
  return cachedTracer.tracer;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** Spans this one follows from without being their child (e.g. a batch of audit events). */
  links?: Link[];
  /** Start a new trace instead of a child of the active span. */
  root?: boolean;
}

/** A link to the span that produced an item (given its W3C ids), if the ids are valid. */
export function linkTo(traceId: string | undefined, spanId: string | undefined): Link | undefined {
  if (!traceId || !spanId) return undefined;
  const spanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  return trace.isSpanContextValid(spanContext) ? { context: spanContext } : undefined;
}

/** An error's `code` when it has a textual one (our error classes do), else its class name. */
function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error;
    if (typeof code === 'string' || typeof code === 'number') return String(code);
  }
  return error instanceof Error ? error.name : 'unknown';
}

/** Marks the span failed with `error.type` (the message is left out: it may hold data). */
export function recordFailure(span: Span, error: unknown, errorType?: string): void {
  const type = errorType ?? errorTypeOf(error);
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/**
 * Runs `work` inside a child span of the active one: the span is active while `work` runs (so
 * nested spans and log lines attach to it), records a thrown error, and always ends.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  return gatehouseTracer().startActiveSpan(
    name,
    {
      attributes,
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.links ? { links: options.links } : {}),
      ...(options.root ? { root: true } : {}),
    },
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        recordFailure(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

type Headers = Record<string, string | string[] | undefined>;
const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

type Meta = Record<string, unknown>;
const metaGetter: TextMapGetter<Meta> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/** `_meta` keys the MCP specification reserves for W3C trace context and baggage (SEP-414). */
export const TRACE_META_KEYS = ['traceparent', 'tracestate', 'baggage'] as const;

/**
 * Starts the SERVER span of an incoming MCP request: the entry span of the gateway's part of
 * the trace (the HTTP instrumentation leaves `/mcp` to it, see sdk.ts). Its parent is the
 * caller's context read from the JSON-RPC request's `params._meta` (`traceparent`/`tracestate`,
 * the MCP carrier) when the request has one, else from the HTTP headers. It never inherits the
 * active context: that one carries the HTTP instrumentation's "tracing suppressed" mark for
 * the requests it ignores.
 */
export function startServerSpan(
  name: string,
  incomingHeaders: Headers,
  meta?: Meta,
): { span: Span; run: <T>(work: () => T) => T } {
  const fromMeta =
    meta && typeof meta['traceparent'] === 'string'
      ? propagation.extract(ROOT_CONTEXT, meta, metaGetter)
      : undefined;
  // A malformed `_meta.traceparent` is ignored like a malformed header: the headers apply.
  const parent =
    fromMeta && trace.getSpanContext(fromMeta)
      ? fromMeta
      : propagation.extract(ROOT_CONTEXT, incomingHeaders, headerGetter);
  const span = gatehouseTracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
  const spanContext = trace.setSpan(parent, span);
  return { span, run: (work) => context.with(spanContext, work) };
}

/**
 * Trace headers for an outgoing request made inside the active span (the gateway's MCP CLIENT
 * span towards an upstream): with an SDK, the client's own `traceparent`/`tracestate`/`baggage`
 * (passed in `headers`) are replaced by the active context; without one, `headers` go out
 * unchanged. The HTTP client instrumentation leaves a request that already carries trace
 * headers alone (see `carriesTraceHeaders`), so this span is the upstream's HTTP parent too.
 */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  const fields = propagation.fields();
  if (fields.length === 0) return headers;
  for (const field of fields) delete headers[field];
  propagation.inject(context.active(), headers);
  return headers;
}

/**
 * Whether an outgoing request's headers (undici's request: a `[name, value, ...]` array, or
 * a raw `name: value\r\n` block in older versions) already hold one of `fields`, the
 * propagator's header names: then whoever built the request traced it (the relay's MCP CLIENT
 * span) and a second HTTP span would add a second, conflicting `traceparent`.
 */
export function carriesTraceHeaders(headers: unknown, fields: ReadonlySet<string>): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) {
      const name: unknown = headers[i];
      if (typeof name === 'string' && fields.has(name.toLowerCase())) return true;
    }
    return false;
  }
  if (typeof headers !== 'string') return false;
  return headers.split('\r\n').some((line) => {
    const colon = line.indexOf(':');
    return colon > 0 && fields.has(line.slice(0, colon).trim().toLowerCase());
  });
}

/**
 * `params` with the active context in `params._meta` (`traceparent`, and `tracestate` and
 * `baggage` when there are any): the MCP carrier for trace context (SEP-414). The active span
 * (the gateway's upstream CLIENT span) replaces any trace context the client put there; the
 * client's own context is the parent of the gateway's server span instead (startServerSpan).
 * Without an SDK, `params` are returned as they are. Never mutates `params`.
 */
export function injectTraceMeta<P extends Meta | undefined>(params: P): P | Meta {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  if (!carrier['traceparent']) return params;
  const meta: Meta = { ...((params?.['_meta'] as Meta | undefined) ?? {}) };
  for (const key of TRACE_META_KEYS) {
    const value = carrier[key];
    if (value) meta[key] = value;
    else delete meta[key];
  }
  return { ...(params ?? {}), _meta: meta };
}

/** Trace and span id of the active span, when one is recording (for audit events, logs). */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { traceId, spanId } : undefined;
}

/** Adds attributes to the active span (and marks it failed when `errorType` is given). */
export function annotateActiveSpan(attributes: Attributes, errorType?: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttributes(attributes);
  if (errorType !== undefined) {
    span.setAttribute('error.type', errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  }
}
