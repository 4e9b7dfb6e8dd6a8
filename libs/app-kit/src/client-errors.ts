import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** What Node's HTTP parser refused before Fastify saw a request. */
export type ClientErrorKind = 'timeout' | 'headers_too_large' | 'malformed';

/** The JSON body an app answers such a connection with (status 408, 431 or 400). */
export type ClientErrorBody = (kind: ClientErrorKind, status: number, requestId: string) => unknown;

const STATUS: Record<ClientErrorKind, number> = {
  timeout: 408,
  headers_too_large: 431,
  malformed: 400,
};

/**
 * A Fastify `clientErrorHandler`: as Fastify's own (same statuses, the connection is closed
 * after), but the body is the app's error format (a request line over the header limit, a
 * slow-loris timeout and unparsable HTTP would otherwise get Fastify's ad-hoc JSON).
 */
export function clientErrorHandler(render: ClientErrorBody) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const kind: ClientErrorKind =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'timeout'
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? 'headers_too_large'
          : 'malformed';
    const status = STATUS[kind];
    const body = JSON.stringify(render(kind, status, randomUUID()));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}
