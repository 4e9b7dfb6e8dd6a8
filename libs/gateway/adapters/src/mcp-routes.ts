import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  GatewayHttpError,
  header,
  type McpGateway,
  type McpHttpRequest,
  type McpHttpResponse,
} from '@gatehouse/gateway-core';
import type { Logger } from '@gatehouse/telemetry';
import { writeSseStream } from './sse-writer';

export interface McpRouteOptions {
  bodyLimit: number;
  /** Body of /.well-known/oauth-protected-resource (RFC 9728). */
  resourceMetadata: Record<string, unknown>;
  /** The same for a tenant URL (`/t/<tenant>/mcp`): its resource and its tenant's IdPs. */
  tenantResourceMetadata: (tenant: string) => Promise<Record<string, unknown>>;
  logger: Logger;
  /** SSE_WRITE_STALL_TIMEOUT_MS: a stream whose client takes nothing this long is closed. */
  sseWriteStallTimeoutMs: number;
}

/**
 * Serves `/mcp` and `/mcp/:upstream` straight on Fastify (no Nest pipeline in the hot path):
 * the body is kept as text so that malformed JSON can be answered with a JSON-RPC parse error.
 */
export async function registerMcpRoutes(
  fastify: FastifyInstance,
  gateway: McpGateway,
  options: McpRouteOptions,
): Promise<void> {
  fastify.get('/.well-known/oauth-protected-resource', async () => options.resourceMetadata);
  fastify.get('/.well-known/oauth-protected-resource/mcp', async () => options.resourceMetadata);
  fastify.get('/.well-known/oauth-protected-resource/t/:tenant/mcp', async (request) =>
    options.tenantResourceMetadata((request.params as { tenant: string }).tenant),
  );

  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: options.bodyLimit },
      (_req, body, done) => done(null, body),
    );
    scope.setErrorHandler(
      (error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
        const failure =
          error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
            ? new GatewayHttpError(
                'payload_too_large',
                `Payload Too Large: the body exceeds ${options.bodyLimit} bytes`,
              )
            : error.statusCode === 400 || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? new GatewayHttpError('parse_error', `Parse error: ${error.message}`)
              : // A Content-Type Fastify cannot even parse (";;;", "a/b/c") is the client's
                // mistake, like any other it names: never a 5xx.
                error.statusCode === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
                ? new GatewayHttpError(
                    'unsupported_media_type',
                    'Unsupported Media Type: the Content-Type header is malformed; send application/json',
                  )
                : new GatewayHttpError(
                    'service_unavailable',
                    'Service Unavailable: unexpected error',
                  );
        if (failure.code === 'service_unavailable')
          options.logger.error({ err: error }, 'unhandled /mcp error');
        return reply.code(failure.status).send(failure.toBody());
      },
    );

    const handle =
      (method: 'handlePost' | 'handleGet' | 'handleDelete') =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const abort = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) abort.abort(new Error('client disconnected'));
        });
        const params = request.params as { upstream?: string; tenant?: string };
        const mcpRequest: McpHttpRequest = {
          headers: request.headers,
          clientAddress: request.ip,
          signal: abort.signal,
        };
        if (params.upstream !== undefined) mcpRequest.upstreamSlug = params.upstream;
        if (params.tenant !== undefined) mcpRequest.tenantHint = params.tenant;
        if (typeof request.body === 'string') mcpRequest.rawBody = request.body;
        const response = await gateway[method](mcpRequest);
        return send(request, reply, response, options);
      };
    for (const path of ['/mcp', '/mcp/:upstream', '/t/:tenant/mcp', '/t/:tenant/mcp/:upstream']) {
      scope.post(path, handle('handlePost'));
      scope.get(path, handle('handleGet'));
      scope.delete(path, handle('handleDelete'));
    }
  });
}

async function send(
  request: FastifyRequest,
  reply: FastifyReply,
  response: McpHttpResponse,
  options: McpRouteOptions,
): Promise<void> {
  if (!('stream' in response)) {
    reply.code(response.status).headers(response.headers);
    if (response.body === undefined) return reply.send();
    return reply.type('application/json').send(JSON.stringify(response.body));
  }
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...response.headers,
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Send the headers now: a GET stream may carry no event for a long time, and the client's
  // fetch() waits for them.
  raw.flushHeaders();
  await writeSseStream(raw, response.stream, {
    stallTimeoutMs: options.sseWriteStallTimeoutMs,
    keepAliveMs: 15_000,
    logger: options.logger,
    sessionId: header(request.headers, 'mcp-session-id') ?? response.headers['mcp-session-id'],
  });
}
