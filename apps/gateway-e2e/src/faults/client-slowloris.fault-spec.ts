import { connect, type Socket } from 'node:net';
import { ControlLoad, describeControl } from '../support/control-load';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { connectClient } from '../support/mcp-client';
import { rawSession } from '../support/raw-mcp';
import { describeMemory, memoryProbeEnv, mib, sampleMemory } from '../support/process-memory';

const REQUEST_TIMEOUT_MS = 2_000;
const BODY_LIMIT = 4 * 1024 * 1024;
const LORIS_PER_KIND = Number(process.env['FAULTS_LORIS'] ?? 100);
/** A trickling connection still open after this long was never cut: the test fails. */
const GIVE_UP_MS = 20_000;

interface LorisOutcome {
  kind: 'headers' | 'body';
  cutAfterMs: number | undefined;
  answer: string;
  bytesSent: number;
}

/**
 * A slow-loris client: a valid request sent one byte every `everyMs`, either stuck in the
 * headers or (headers complete) in a body that never ends. Resolves when the server closes the
 * connection, with what it answered.
 */
function slowLoris(
  port: number,
  kind: 'headers' | 'body',
  token: string,
  everyMs = 100,
): Promise<LorisOutcome> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }).padEnd(2_000, ' ');
  const head =
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
    `Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n` +
    (kind === 'headers' ? 'X-Padding: ' + 'p'.repeat(5_000) + '\r\n\r\n' : '\r\n');
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let bytesSent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (cut: boolean) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({
        kind,
        cutAfterMs: cut ? performance.now() - started : undefined,
        answer: answer.split('\r\n')[0] ?? '',
        bytesSent,
      });
    };
    const giveUp = setTimeout(() => finish(false), GIVE_UP_MS);
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      // Body kind: the headers arrive at once, then the body trickles.
      const trickle = kind === 'headers' ? head : body;
      if (kind === 'body') socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (i >= trickle.length || socket.destroyed) return;
        socket.write(trickle[i++]!);
        bytesSent += 1;
      }, everyMs);
    });
  });
}

/**
 * POSTs `size` bytes over a raw socket, with Content-Length or chunked, reading the answer while
 * still writing (as curl does): the gateway answers 413 and closes before the body is done, and
 * a client that only reads once it has written everything (fetch) sees EPIPE instead.
 */
function oversized(
  url: string,
  headers: Record<string, string>,
  size: number,
  chunked: boolean,
): Promise<{ status: number; body: string; bytesWritten: number }> {
  const { port, pathname } = new URL(url);
  const head =
    `POST ${pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    Object.entries({
      ...headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }),
    })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    const block = Buffer.alloc(64 * 1024, ' ');
    const chunk = Buffer.concat([
      Buffer.from(`${block.length.toString(16)}\r\n`),
      block,
      Buffer.from('\r\n'),
    ]);
    let written = 0;
    let answer = '';
    const pump = () => {
      while (written < size && !socket.destroyed) {
        written += block.length;
        if (!socket.write(chunked ? chunk : block)) return void socket.once('drain', pump);
      }
      if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
    };
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const split = answer.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0);
      const body = split < 0 ? '' : answer.slice(split + 4);
      resolve({ status, body, bytesWritten: written });
    });
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
  });
}

/**
 * Clients that send a request a byte at a time (headers or body), and bodies over the limit
 * (with Content-Length, and chunked without one). The slow ones must be cut by the request
 * timeout, the big ones refused with 413 and a JSON error without being buffered, and the
 * gateway must keep serving well-behaved sessions meanwhile.
 */
describe('fault: slow-loris and oversized request bodies', () => {
  let h: GatewayHarness;
  let gw: GatewayProcess;
  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 0,
      env: { HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
    });
    gw = await startGatewayProcess({ ...h.env, ...memoryProbeEnv() });
  }, 120_000);
  afterAll(async () => {
    gw?.child.kill('SIGKILL');
    await h?.close();
  }, 60_000);

  it('cuts every slow-loris connection with 408 while other sessions keep working', async () => {
    const port = Number(new URL(gw.url).port);
    const controls = await Promise.all(
      [0, 1].map(async () => (await connectClient(gw.url, h.member.token)).client),
    );
    await controls[0]!.callTool({ name: 'alpha__echo', arguments: { text: 'warm' } });
    const before = await sampleMemory(gw);
    const load = new ControlLoad(controls, `${gw.url}/healthz`).start();
    const outcomes = await Promise.all([
      ...Array.from({ length: LORIS_PER_KIND }, () => slowLoris(port, 'headers', h.member.token)),
      ...Array.from({ length: LORIS_PER_KIND }, () => slowLoris(port, 'body', h.member.token)),
    ]);
    const during = await sampleMemory(gw);
    const control = await load.stop();
    const after = await sampleMemory(gw);

    for (const kind of ['headers', 'body'] as const) {
      const mine = outcomes.filter((o) => o.kind === kind);
      const cut = mine.filter((o) => o.cutAfterMs !== undefined).map((o) => o.cutAfterMs!);
      const answers = [...new Set(mine.map((o) => o.answer || '(closed without an answer)'))];
      process.stdout.write(
        `client-slowloris ${kind}: ${mine.length} connections, cut ${cut.length}, after ${Math.round(Math.min(...cut))}–${Math.round(Math.max(...cut))} ms ` +
          `(HTTP_REQUEST_TIMEOUT_MS=${REQUEST_TIMEOUT_MS}); bytes trickled per connection ≤ ${Math.max(...mine.map((o) => o.bytesSent))}; answers: ${answers.join(', ')}\n`,
      );
    }
    process.stdout.write(
      `client-slowloris: ${describeControl(control)}\nclient-slowloris memory: ${describeMemory(before, during, after)}\n`,
    );
    expect(outcomes.filter((o) => o.cutAfterMs === undefined)).toEqual([]);
    for (const o of outcomes) expect(o.answer).toMatch(/^(HTTP\/1\.1 408 Request Timeout)?$/);
    expect(control.lost).toBe(0);
    expect(control.attempted).toBeGreaterThan(10);
    expect(control.healthOk).toBe(control.healthProbes);
    // The timeout is on receiving requests only: a response streaming longer is not cut.
    const progress: number[] = [];
    const slow = await controls[0]!.callTool(
      { name: 'alpha__slow', arguments: { steps: 5, delayMs: REQUEST_TIMEOUT_MS / 2 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(slow.content).toEqual([{ type: 'text', text: 'completed 5 steps' }]);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(gw.child.exitCode).toBeNull();
    await Promise.all(controls.map((c) => c.close()));
  });

  it('answers an oversized body with 413 and a JSON error, with or without Content-Length, without buffering it', async () => {
    const { session, version } = await rawSession(gw.url, h.member.token);
    const headers = {
      authorization: `Bearer ${h.member.token}`,
      'mcp-session-id': session,
      'mcp-protocol-version': version,
    };
    const before = await sampleMemory(gw);
    const cases = [
      { name: 'Content-Length 5 MiB', size: 5 * 1024 * 1024, chunked: false, path: '/mcp' },
      { name: 'chunked 64 MiB', size: 64 * 1024 * 1024, chunked: true, path: '/mcp' },
      {
        name: 'chunked 64 MiB on /mcp/alpha',
        size: 64 * 1024 * 1024,
        chunked: true,
        path: '/mcp/alpha',
      },
      { name: 'Content-Length 1 GiB', size: 1024 * 1024 * 1024, chunked: false, path: '/mcp' },
    ];
    let answered413 = 0;
    for (const c of cases) {
      const answer = await oversized(`${gw.url}${c.path}`, headers, c.size, c.chunked);
      process.stdout.write(
        `client-oversized ${c.name}: HTTP ${answer.status} after the client wrote ${mib(answer.bytesWritten)}: ${answer.body}\n`,
      );
      // The gateway answers 413 and closes at once without reading the rest (Fastify sets
      // Connection: close); when the client is still writing, the close can reach it as a reset
      // that discards the unread answer (0 = no answer read). Known, see docs/reliability.md.
      expect([413, 0]).toContain(answer.status);
      if (answer.status === 0) {
        expect(answer.body).toBe('');
        continue;
      }
      answered413 += 1;
      const body = JSON.parse(answer.body) as {
        error: { message: string; data: { code: string } };
      };
      expect(body.error.data.code).toBe('payload_too_large');
      expect(body.error.message).toContain(`exceeds ${BODY_LIMIT} bytes`);
    }
    expect(answered413).toBeGreaterThan(0);
    const after = await sampleMemory(gw);
    process.stdout.write(`client-oversized memory: ${describeMemory(before, after, after)}\n`);
    // A 64 MiB body was never held whole: the peak stays well below it.
    expect(after.peakRss - before.rss).toBeLessThan(64 * 1024 * 1024);
    // The session is still good.
    const ping = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
    });
    expect(ping.status).toBe(200);
    expect(gw.child.exitCode).toBeNull();
  });
});
