import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Link,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';

const TRACER_NAME = '@gatehouse/telemetry';

/** The tracer Gatehouse code uses; a no-op until an SDK (preload or test) registers one. */
export function gatehouseTracer() {
  return trace.getTracer(TRACER_NAME);
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

/**
 * Starts a SERVER span for an incoming request. Its parent is the active span when HTTP
 * instrumentation made one (which already continued the client's trace), else the client's
 * W3C `traceparent`/`tracestate` read from the request headers.
 */
export function startServerSpan(
  name: string,
  incomingHeaders: Headers,
): { span: Span; run: <T>(work: () => T) => T } {
  const active = context.active();
  const parent = trace.getSpan(active)
    ? active
    : propagation.extract(active, incomingHeaders, headerGetter);
  const span = gatehouseTracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
  const spanContext = trace.setSpan(parent, span);
  return { span, run: (work) => context.with(spanContext, work) };
}

/** Writes the active context (`traceparent`, `tracestate`, baggage) into outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
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
