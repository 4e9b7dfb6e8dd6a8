import type { ClientErrorBody } from '@gatehouse/app-kit';
import { GatewayHttpError } from '@gatehouse/gateway-core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Fastify's own routing errors (an invalid percent-escape, a path segment over the router's
 * 100-character limit) reach no route and no error handler: answered here as a JSON-RPC error,
 * like every other refusal of the gateway (Fastify's `frameworkErrors` option).
 */
export function answerGatewayFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const failure =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new GatewayHttpError('uri_too_long', 'URI Too Long: a path segment is too long')
      : error.code === 'FST_ERR_BAD_URL'
        ? new GatewayHttpError('invalid_url', 'Bad Request: the path has an invalid percent-escape')
        : new GatewayHttpError('invalid_request', 'Bad Request: the request could not be routed');
  void reply
    .code(failure.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(failure.toBody());
}

/** What Node's HTTP parser refused (a request line over the header limit, a slow client). */
export const gatewayClientErrorBody: ClientErrorBody = (kind) =>
  (kind === 'timeout'
    ? new GatewayHttpError(
        'request_timeout',
        'Request Timeout: the request took too long to arrive',
      )
    : kind === 'headers_too_large'
      ? new GatewayHttpError('headers_too_large', 'Request Header Fields Too Large')
      : new GatewayHttpError('invalid_request', 'Bad Request: the request is not valid HTTP')
  ).toBody();
