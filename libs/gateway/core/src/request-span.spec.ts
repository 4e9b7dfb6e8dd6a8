import { createLogger } from '@gatehouse/telemetry';
import { Writable } from 'node:stream';
import { GatewayHttpError } from './gateway-error';
import type { McpHttpRequest } from './http-types';
import { traced } from './request-span';

const request: McpHttpRequest = {
  headers: {},
  clientAddress: '127.0.0.1',
  signal: new AbortController().signal,
};

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('test', 'info', sink), lines };
}

function answerTo(error: unknown) {
  const { logger, lines } = capturingLogger();
  return traced(request, 'POST', logger, async () => {
    throw error;
  }).then((response) => ({ response, lines }));
}

describe('traced: how a request that failed is answered', () => {
  it('answers a GatewayHttpError with its own status and code', async () => {
    const { response } = await answerTo(new GatewayHttpError('session_not_found', 'Not Found'));
    expect(response.status).toBe(404);
    expect(response).toMatchObject({ body: { error: { data: { code: 'session_not_found' } } } });
  });

  it('answers a bug in the gateway 500 internal_error, logged, without its message', async () => {
    const { response, lines } = await answerTo(
      new TypeError("Cannot read properties of undefined (reading 'secret')"),
    );
    expect(response.status).toBe(500);
    expect(response).toMatchObject({ body: { error: { code: -32603 } } });
    expect(response).toMatchObject({ body: { error: { data: { code: 'internal_error' } } } });
    expect(JSON.stringify(response)).not.toContain('secret');
    expect(lines.join('')).toContain('reading');
  });

  it('answers a store that failed 503 service_unavailable, without claiming what failed', async () => {
    const { response } = await answerTo(new Error('Connection is closed.'));
    expect(response.status).toBe(503);
    expect(response).toMatchObject({ body: { error: { data: { code: 'service_unavailable' } } } });
    expect(JSON.stringify(response)).not.toContain('Connection is closed');
  });
});
