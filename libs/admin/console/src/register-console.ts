import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONSOLE_PATH = '/console';

/** The console's files (built by nobody: plain HTML, CSS and an ES module; no CDN). */
const ASSETS = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
} as const;

/**
 * Where the assets are: next to this file's folder in the source tree, and copied there in dist/
 * by `npm run build`.
 */
export function consoleAssetsDir(): string {
  return join(__dirname, '..', 'assets');
}

/** Same-origin only: no inline script, no framing, no form posts elsewhere. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/**
 * Serves the web console at /console on the admin API's Fastify instance. The console holds the
 * admin token in memory and calls the public /api/v1 routes like any client: it adds no route of
 * its own that reads or changes data.
 */
export function registerConsole(
  fastify: FastifyInstance,
  assetsDir: string = consoleAssetsDir(),
): void {
  const files = new Map<string, Buffer>();
  for (const name of ['index.html', ...Object.keys(ASSETS)])
    files.set(name, readFileSync(join(assetsDir, name)));
  const index = files.get('index.html');
  const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(index);
  fastify.get(CONSOLE_PATH, sendIndex);
  fastify.get(`${CONSOLE_PATH}/`, sendIndex);
  for (const [name, type] of Object.entries(ASSETS)) {
    fastify.get(`${CONSOLE_PATH}/assets/${name}`, async (_request, reply) =>
      reply.headers(SECURITY_HEADERS).type(type).send(files.get(name)),
    );
  }
}
