import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';
import { startHostileUpstream, type HostileUpstream } from './support/hostile-upstream';
import { rawMcp, rawSession } from './support/raw-mcp';

const STALL_TIMEOUT_MS = 1_500;
/** Big GET notifications, so that the socket buffers of a client that does not read fill fast. */
const GET_EVENT_BYTES = 8 * 1024;
const LOG_MAX_BYTES = 16 * 1024 * 1024;
/** Time for the buffers to fill before the timeout can start, and for the close to arrive. */
const CLOSE_GRACE_MS = 8_000;

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A GET /mcp on a raw socket, so the test decides when the client reads: `socket.pause()`
 * stops reading from the kernel, and the gateway's writes back up as behind a dead peer.
 */
class RawGetStream {
  readonly socket: Socket;
  /** The response's status line. */
  status = '';
  /** Complete SSE events received, and the id of the last one. */
  events = 0;
  lastEventId: string | undefined;
  closed = false;
  /** What follows the last complete block (a flooded stream is not kept whole). */
  private partial = '';

  constructor(port: number, headers: Record<string, string>) {
    const request =
      'GET /mcp HTTP/1.1\r\n' +
      Object.entries({ host: '127.0.0.1', accept: 'text/event-stream', ...headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n';
    this.socket = connect(port, '127.0.0.1', () => this.socket.write(request));
    this.socket.on('data', (chunk: Buffer) => this.received(chunk.toString()));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }

  private received(text: string): void {
    const blocks = (this.partial + text).split('\n\n');
    this.partial = blocks.pop() ?? '';
    for (const block of blocks) {
      if (!this.status) this.status = block.split('\r\n')[0] ?? '';
      if (!/^data: /m.test(block)) continue;
      this.events += 1;
      this.lastEventId = /^id: (.*)$/m.exec(block)?.[1] ?? this.lastEventId;
    }
  }
}

/**
 * SSE_WRITE_STALL_TIMEOUT_MS: the gateway closes an SSE connection whose client stopped
 * reading (its socket does not drain for the timeout), and only such a connection. The
 * upstream floods the session's GET stream, so the client's socket buffers fill for real.
 */
describe('SSE write-stall timeout', () => {
  let h: GatewayHarness;
  let flood: HostileUpstream;
  let url: string;
  let token: string;
  /** The gateway's end of each connection, by the client's port. */
  const serverSockets = new Map<number, Socket>();
  const sessions: { session: string; version: string }[] = [];

  beforeAll(async () => {
    h = await startGatewayHarness({
      replicas: 1,
      env: {
        SSE_WRITE_STALL_TIMEOUT_MS: String(STALL_TIMEOUT_MS),
        // A GET tail ends once it is a whole log behind its client. Above what the kernel's
        // socket buffers take, so a stalled client stalls the writes before its stream ends.
        SESSION_EVENT_LOG_MAX: '10000',
        SESSION_EVENT_LOG_MAX_BYTES: String(LOG_MAX_BYTES),
      },
    });
    url = h.gateways[0]!.url;
    const server = h.gateways[0]!.app.getHttpAdapter().getInstance().server as Server;
    server.on('connection', (socket: Socket) => serverSockets.set(socket.remotePort!, socket));
    // A tenant of its own, so only this test's sessions get the flood.
    flood = await startHostileUpstream({ getStream: 'flood', getEventBytes: GET_EVENT_BYTES });
    token = (await h.addTenant('Write-stall tenant', { flood: flood.url })).member.token;
  }, 60_000);

  afterAll(async () => {
    // Ending the sessions ends their upstream GET floods.
    for (const { session, version } of sessions)
      await rawMcp(url, undefined, { method: 'DELETE', token, session, version });
    await flood?.close();
    await h?.close();
  }, 60_000);

  /** Whether the gateway has closed its end of `client`'s connection. */
  function closedByGateway(client: Socket): boolean {
    const gatewayEnd = serverSockets.get(client.localPort!);
    if (!gatewayEnd) throw new Error(`no gateway socket for client port ${client.localPort}`);
    return gatewayEnd.destroyed;
  }

  async function floodedSession() {
    const opened = await rawSession(url, token);
    sessions.push(opened);
    return {
      ...opened,
      headers: {
        authorization: `Bearer ${token}`,
        'mcp-session-id': opened.session,
        'mcp-protocol-version': opened.version,
      },
    };
  }

  it('closes the connection of a client that stopped reading; the session resumes from its log', async () => {
    const { headers } = await floodedSession();
    const port = Number(new URL(url).port);
    const stalled = new RawGetStream(port, headers);
    await waitFor(() => stalled.events >= 10, 10_000, 'the first events');
    stalled.socket.pause();
    const lastId = stalled.lastEventId;

    // The gateway's end, not the client's: a client that does not read cannot see the close
    // (the FIN waits behind the bytes it has not taken).
    await waitFor(
      () => closedByGateway(stalled.socket),
      STALL_TIMEOUT_MS + CLOSE_GRACE_MS,
      'the gateway closes the stalled connection',
    );
    stalled.socket.destroy();

    // Closing the connection ended neither the session nor its stream: the client resumes.
    expect(lastId).toBeDefined();
    const resumed = new RawGetStream(port, { ...headers, 'last-event-id': lastId! });
    await waitFor(() => resumed.events >= 10, 10_000, 'events after the resume');
    expect(resumed.status).toBe('HTTP/1.1 200 OK');
    resumed.socket.destroy();
  }, 30_000);

  it('keeps the connection of a client that reads, including one that pauses shorter than the timeout', async () => {
    const { headers } = await floodedSession();
    const port = Number(new URL(url).port);
    const reader = new RawGetStream(port, headers);
    await waitFor(() => reader.events >= 10, 10_000, 'the first events');
    // Four rounds of: not reading for two thirds of the timeout, then reading for a while.
    // Each pause backs the writes up; each read drains them before the timer fires.
    for (let round = 0; round < 4; round++) {
      reader.socket.pause();
      await new Promise((r) => setTimeout(r, (STALL_TIMEOUT_MS * 2) / 3));
      reader.socket.resume();
      await new Promise((r) => setTimeout(r, STALL_TIMEOUT_MS / 2));
      expect(closedByGateway(reader.socket)).toBe(false);
    }
    // Still open past several timeouts, and still receiving.
    const before = reader.events;
    await waitFor(() => reader.events > before + 10, 10_000, 'more events');
    expect(closedByGateway(reader.socket)).toBe(false);
    expect(reader.closed).toBe(false);
    reader.socket.destroy();
  }, 30_000);
});
