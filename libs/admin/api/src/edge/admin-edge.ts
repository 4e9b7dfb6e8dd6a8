import type { Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ClientErrorBody } from '@gatehouse/app-kit';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from '../common/admin-error';
import { errorBodyOf } from '../common/error-body';
import { findIllFormedText, type TextIssue } from './ill-formed-text';

/**
 * Longest path segment the router takes (Fastify's default is 100). Tool names and slugs in
 * admin paths fit; anything longer gets 414 URI_TOO_LONG in the documented error body.
 */
export const ADMIN_MAX_PARAM_LENGTH = 1024;

/**
 * The admin API's edge, in one place: what every request must satisfy before a guard,
 * a pipe or the database sees it.
 * - Bodies are JSON only (415 otherwise): Nest's default form parser is never registered, and
 *   Fastify's text/plain parser is removed. A form post from another site (the classic CSRF
 *   route once the console signs in with a cookie) cannot reach a route.
 * - An empty body sent with `Content-Type: application/json` (a DELETE from many clients) is no
 *   body, not a JSON syntax error.
 * - Text anywhere in path parameters, query and body is refused with 400 and the field's path
 *   when Postgres could not store it (NUL, lone surrogates), before authorization looks the
 *   tenant up.
 */
export function registerAdminEdge(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  app.useBodyParser<Server>('application/json', { bodyLimit }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    fastify.getDefaultJsonParser('error', 'error')(request, body.toString('utf8'), done);
  });
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('preValidation', async (request: FastifyRequest) => {
    const issues: TextIssue[] = [
      ...findIllFormedText(request.params, 'path'),
      ...findIllFormedText(request.query, 'query'),
      ...findIllFormedText(request.body, 'body'),
    ];
    if (issues.length > 0) {
      throw new AdminError('VALIDATION_FAILED', 'The request is invalid: see details.issues.', {
        issues,
      });
    }
  });
}

/**
 * Fastify's own routing errors (an invalid percent-escape, a path segment longer than
 * ADMIN_MAX_PARAM_LENGTH) are raised before any route or error handler: this answers them in
 * the documented error body (Fastify's `frameworkErrors` option).
 */
export function answerAdminFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const failure =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AdminError(
          'URI_TOO_LONG',
          `A path segment is longer than ${ADMIN_MAX_PARAM_LENGTH} characters.`,
        )
      : error.code === 'FST_ERR_BAD_URL'
        ? new AdminError(
            'INVALID_URL',
            'The path is not valid: check its percent-escapes (%XX, UTF-8 encoded).',
          )
        : new AdminError('VALIDATION_FAILED', 'The request could not be routed.');
  void reply
    .status(failure.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorBodyOf(failure, String(request.id)));
}

/** What Node's HTTP parser refused (a request line over the header limit, a slow client). */
export const adminClientErrorBody: ClientErrorBody = (kind, _status, requestId) => {
  const failure =
    kind === 'timeout'
      ? new AdminError('REQUEST_TIMEOUT', 'The request took too long to arrive.')
      : kind === 'headers_too_large'
        ? new AdminError(
            'HEADERS_TOO_LARGE',
            'The request line or headers are too large: shorten the URL (query) or headers.',
          )
        : new AdminError('MALFORMED_REQUEST', 'The request is not valid HTTP.');
  return errorBodyOf(failure, requestId);
};
