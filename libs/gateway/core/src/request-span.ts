import type { JsonRpcBody } from '@gatehouse/mcp-protocol';
import type { SessionWithUpstreams } from '@gatehouse/session-store';
import {
  annotateActiveSpan,
  describeMcpRequest,
  gatehouseMetrics,
  McpAttributes,
  recordFailure,
  startServerSpan,
  type Logger,
  type Span,
} from '@gatehouse/telemetry';
import { GatewayHttpError, isProgrammingError } from './gateway-error';
import { SESSION_HEADER } from './request-checks';
import type { McpHttpRequest, McpHttpResponse } from './http-types';
import type { SseEvent } from './response-stream';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/**
 * One SERVER span per HTTP request: for a POST, named after the JSON-RPC method it carries
 * (almost always one) and ended once every request in it has been answered. Failures become
 * HTTP answers here, in one place.
 */
export async function traced(
  req: McpHttpRequest,
  verb: string,
  logger: Logger,
  work: (span: Span, answered: Promise<unknown>[]) => Promise<McpHttpResponse>,
): Promise<McpHttpResponse> {
  const { span, run } = startServerSpan(`mcp ${verb}`, req.headers, clientTraceMeta(req.rawBody));
  const answered: Promise<unknown>[] = [];
  const response = await run(() => guard(span, logger, () => work(span, answered)));
  void Promise.allSettled(answered).then(() => span.end());
  return response;
}

/**
 * The `params._meta` of a POST carrying one JSON-RPC request, when it holds a `traceparent`
 * (the MCP carrier for trace context, SEP-414): the caller's context then takes precedence over
 * the HTTP headers. The body is only parsed a second time when it mentions `traceparent`.
 */
function clientTraceMeta(rawBody: string | undefined): Record<string, unknown> | undefined {
  if (rawBody === undefined || !rawBody.includes('"traceparent"')) return undefined;
  try {
    const message: unknown = JSON.parse(rawBody);
    if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
    const params = (message as { params?: unknown }).params;
    const meta =
      typeof params === 'object' && params !== null
        ? (params as { _meta?: unknown })._meta
        : undefined;
    return typeof meta === 'object' && meta !== null
      ? (meta as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function guard(
  span: Span,
  logger: Logger,
  work: () => Promise<McpHttpResponse>,
): Promise<McpHttpResponse> {
  try {
    return await work();
  } catch (error) {
    recordFailure(span, error);
    if (error instanceof GatewayHttpError) {
      return { status: error.status, headers: error.headers, body: error.toBody() };
    }
    logger.error({ err: error }, 'unexpected gateway failure');
    const answer = isProgrammingError(error)
      ? new GatewayHttpError(
          'internal_error',
          'Internal Server Error: the gateway failed unexpectedly (logged)',
        )
      : new GatewayHttpError(
          'service_unavailable',
          'Service Unavailable: a store or service the gateway needs failed; retry shortly',
        );
    return { status: answer.status, headers: {}, body: answer.toBody() };
  }
}

export function nameAfterBody(span: Span, body: JsonRpcBody): void {
  if (!span.isRecording()) return; // sampled out, or no SDK: skip the attribute work
  const first = body.messages[0];
  if (
    body.kind === 'batch' ||
    !first ||
    (first.type !== 'request' && first.type !== 'notification')
  ) {
    span.updateName(body.kind === 'batch' ? 'mcp batch' : 'mcp message');
    return;
  }
  const id = first.type === 'request' ? first.message.id : undefined;
  const { spanName, attributes } = describeMcpRequest(
    first.message.method,
    id,
    first.message.params,
  );
  span.updateName(spanName);
  span.setAttributes(attributes);
}

export function describeSession(span: Span, session: SessionWithUpstreams): void {
  if (!span.isRecording()) return;
  span.setAttributes({
    [McpAttributes.SESSION_ID]: session.id,
    [McpAttributes.PROTOCOL_VERSION]: session.protocolVersion,
  });
}

/** A resumed or standalone stream as SSE events, counted in the open-streams gauge. */
export async function* countedStream(
  tail: AsyncIterable<{ id: string; message: JSONRPCMessage }>,
): AsyncIterable<SseEvent> {
  const openStreams = gatehouseMetrics().openStreams;
  openStreams.add(1);
  try {
    for await (const event of tail) yield { id: event.id, message: event.message };
  } finally {
    openStreams.add(-1);
  }
}

/** Span attributes and request metrics of an initialize (its session id is known only now). */
export function observeInitialize(
  request: JSONRPCRequest,
  response: McpHttpResponse,
  startedAt: number,
): void {
  const sessionId = response.headers[SESSION_HEADER];
  const outcome = response.status === 200 && sessionId ? 'ok' : 'error';
  if (sessionId) {
    const params = request.params as { protocolVersion?: unknown } | undefined;
    annotateActiveSpan({
      [McpAttributes.SESSION_ID]: sessionId,
      ...(typeof params?.protocolVersion === 'string'
        ? { [McpAttributes.PROTOCOL_VERSION]: params.protocolVersion }
        : {}),
    });
  }
  const labels = { [McpAttributes.METHOD_NAME]: 'initialize', [McpAttributes.OUTCOME]: outcome };
  gatehouseMetrics().requests.add(1, labels);
  gatehouseMetrics().requestDuration.record((performance.now() - startedAt) / 1000, labels);
}
