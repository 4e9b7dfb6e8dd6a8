import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { ControlLoad, describeControl } from '../support/control-load';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { startHostileUpstream, type HostileUpstream } from '../support/hostile-upstream';
import { connectClient } from '../support/mcp-client';
import { rawMcp, rawSession } from '../support/raw-mcp';
import {
  describeMemory,
  memoryProbeEnv,
  mib,
  sampleMemory,
  type MemorySample,
} from '../support/process-memory';

/** More than the 10,000 events a POST stream queues for its client before it lets go. */
const FLOOD = Number(process.env['FAULTS_FLOOD'] ?? 12_000);
const EVENT_BYTES = 1024;
/** GET notifications are bigger, so that they outgrow the kernel's socket buffers quickly. */
const GET_EVENT_BYTES = 8 * 1024;
const EVENT_LOG_MAX = 1000;
/** How long the slow client sits on its stream without reading. */
const STALL_MS = Number(process.env['FAULTS_STALL_MS'] ?? 6_000);

interface SseEvent {
  id?: string;
  data: { id?: unknown; method?: string; result?: unknown };
}

/** The `id:`/`data:` of each SSE event in `text`; a last event cut mid-way is left out. */
function parseSseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .flatMap((block) => {
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      try {
        return data ? [{ ...(id ? { id } : {}), data: JSON.parse(data) }] : [];
      } catch {
        return []; // the last block may be cut
      }
    });
}

/**
 * An HTTP/1.1 exchange on a raw socket, so the test controls reading: `pause()` stops reading
 * from the kernel, so the gateway's writes back up exactly as with a client that never reads.
 */
class RawStream {
  readonly socket: Socket;
  text = '';
  closed = false;
  closedAt: number | undefined;

  static readonly all = new Set<RawStream>();

  constructor(port: number, request: string) {
    RawStream.all.add(this);
    this.socket = connect(port, '127.0.0.1', () => this.socket.write(request));
    this.socket.on('data', (chunk) => (this.text += chunk.toString()));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.closedAt = performance.now();
    });
  }

  /** data: lines received so far, parsed. */
  events(): SseEvent[] {
    return parseSseEvents(this.text);
  }

  async waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(
          `raw stream: condition not met in time; received: ${this.text.slice(0, 500)}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Reads whatever the gateway still sends until it ends the stream or `ms` pass. */
  async drain(ms: number): Promise<void> {
    this.socket.resume();
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fetch whose SSE body the test reads by hand: it can stop reading, then read on later. */
class PausableSse {
  private readonly decoder = new TextDecoder();
  private reader!: ReadableStreamDefaultReader<Uint8Array>;
  text = '';
  ended = false;
  failed: string | undefined;

  async open(url: string, init: RequestInit): Promise<this> {
    const response = await fetch(url, init);
    this.reader = response.body!.getReader();
    return this;
  }

  events(): SseEvent[] {
    return parseSseEvents(this.text);
  }

  /** Reads until `count` events have arrived. */
  async readUntil(count: number): Promise<void> {
    while (this.events().length < count && !this.ended) await this.readOnce();
  }

  /** Reads on until the stream ends or `ms` pass. */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.ended && Date.now() < deadline) {
      const next = this.readOnce();
      const timer = new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
      await Promise.race([next, timer]);
    }
  }

  private async readOnce(): Promise<void> {
    try {
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else this.text += this.decoder.decode(value, { stream: true });
    } catch (error) {
      this.ended = true;
      this.failed = String(error);
    }
  }

  cancel(): void {
    void this.reader.cancel().catch(() => undefined);
  }
}

function httpRequest(
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): string {
  const all: Record<string, string> = {
    host: '127.0.0.1',
    ...headers,
    ...(body !== undefined
      ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }
      : {}),
  };
  return (
    `${method} /mcp HTTP/1.1\r\n` +
    Object.entries(all)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n' +
    (body ?? '')
  );
}

/**
 * A client that stops reading its SSE stream while the upstream pushes thousands of
 * notifications: on a POST answered with SSE (a tool call streaming progress) and on the
 * session's GET stream. The gateway must not buffer without bound, other clients must not
 * notice, and the slow client's events must remain (bounded) in the session's event log.
 */
describe('fault: a client that never reads its SSE stream', () => {
  let h: GatewayHarness;
  let flood: HostileUpstream;
  let gw: GatewayProcess;
  let redis: Redis;
  let slowToken: string;
  let port: number;

  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 0 });
    // The flooding upstream lives in a tenant of its own, so only the slow client's sessions
    // (not the control sessions' GET streams) receive its flood.
    flood = await startHostileUpstream({
      flood: FLOOD,
      floodEventBytes: EVENT_BYTES,
      getStream: 'flood',
      getEventBytes: GET_EVENT_BYTES,
    });
    slowToken = (await h.addTenant('Flood tenant', { flood: flood.url })).member.token;
    gw = await startGatewayProcess({
      ...h.env,
      ...memoryProbeEnv(),
      SESSION_EVENT_LOG_MAX: String(EVENT_LOG_MAX),
    });
    port = Number(new URL(gw.url).port);
    redis = new Redis(h.env['REDIS_URL']!);
  }, 120_000);

  afterAll(async () => {
    for (const stream of RawStream.all) stream.socket.destroy();
    gw?.child.kill('SIGKILL');
    redis?.disconnect();
    await flood?.close();
    await h?.close();
  }, 60_000);

  async function slowSession() {
    const { session, version } = await rawSession(gw.url, slowToken);
    const headers = {
      authorization: `Bearer ${slowToken}`,
      accept: 'application/json, text/event-stream',
      'mcp-session-id': session,
      'mcp-protocol-version': version,
    };
    return { session, version, headers };
  }

  async function eventLogLength(session: string): Promise<number> {
    return redis.xlen(`${h.env['REDIS_KEY_PREFIX']}session:${session}:events`);
  }

  it('POST answered with SSE: the upstream is paced by the event log, memory stays bounded, others are unaffected, the client gets every event', async () => {
    const controls = await Promise.all(
      [0, 1].map(async () => (await connectClient(gw.url, h.member.token)).client),
    );
    const { session, headers } = await slowSession();
    // Warm up the catalog so the call goes straight out.
    await rawMcp(
      gw.url,
      { jsonrpc: '2.0', id: 0, method: 'tools/list' },
      {
        token: slowToken,
        session,
        version: headers['mcp-protocol-version'],
      },
    );
    const before = await sampleMemory(gw);
    const load = new ControlLoad(controls, `${gw.url}/healthz`).start();

    const slow = await new PausableSse().open(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'flood-1',
        method: 'tools/call',
        params: { name: 'flood__flood_sse', arguments: {}, _meta: { progressToken: 'p' } },
      }),
    });
    await slow.readUntil(10);
    const readBeforeStall = slow.events().length;
    // The upstream keeps pushing; the gateway keeps reading it (into the event log).
    await new Promise((r) => setTimeout(r, STALL_MS));
    const during = await sampleMemory(gw);
    const upstreamSent = flood.bytesSent.get('flood_sse') ?? 0;
    const logLength = await eventLogLength(session);
    const control = await load.stop();

    // Now read whatever the gateway still has for us.
    await slow.drain(3_000);
    const received = slow.events();
    const final = received.find((e) => e.data.id === 'flood-1');
    const lastId = [...received].reverse().find((e) => e.id)?.id;
    // Resume from the last event seen, as the SDK client does when a stream ends early: the
    // rest comes from the (bounded) event log, then live until the final response.
    let resumed: { id?: string; data: { id?: unknown } }[] = [];
    let resumedFailure: string | undefined;
    if (!final && lastId) {
      const resume = await new PausableSse().open(`${gw.url}/mcp`, {
        headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastId },
      });
      await resume.drain(60_000);
      resumed = resume.events();
      resumedFailure = resume.failed;
      resume.cancel();
    }
    const after = await sampleMemory(gw);
    const resumedFinal = resumed.find((e) => e.data.id === 'flood-1');
    process.stdout.write(
      [
        `client-slow-reader POST: upstream pushed ${FLOOD} notifications of ${EVENT_BYTES} B (${mib(upstreamSent)} sent) while the client read ${readBeforeStall} and stalled ${STALL_MS} ms`,
        `  after the stall the client read on: ${received.length} events in all, stream ${slow.ended ? (slow.failed ? `failed (${slow.failed})` : 'ended') : 'still open'}, final response delivered: ${final ? 'yes' : 'no'}`,
        `  event log length during the stall: ${logLength} (SESSION_EVENT_LOG_MAX=${EVENT_LOG_MAX}); resumed with Last-Event-ID: ${resumed.length} events, final response ${resumedFinal ? 'yes' : 'no'}${resumedFailure ? ` (${resumedFailure})` : ''}; events never delivered (trimmed from the log before the resume): ${FLOOD + 1 - received.length - resumed.length}`,
        `  ${describeControl(control)}`,
        `  memory: ${describeMemory(before, during, after)}; heap after GC mid-stall ${mib(during.heapUsed)}`,
        '',
      ].join('\n'),
    );
    expect(upstreamSent).toBeGreaterThan(FLOOD * EVENT_BYTES);
    expect(logLength).toBeLessThanOrEqual(EVENT_LOG_MAX * 1.2);
    expect(final ?? resumedFinal).toBeDefined();
    expect(control.lost).toBe(0);
    expect(control.healthOk).toBe(control.healthProbes);
    // What the gateway holds for the stalled client (heap after GC, mid-stall) stays bounded;
    // the sampled peak also counts garbage not yet collected.
    expect(during.heapUsed - before.heapUsed).toBeLessThan(64 * 1024 * 1024);
    expect(gw.child.exitCode).toBeNull();
    slow.cancel();
    await Promise.all(controls.map((c) => c.close()));
  });

  it('GET stream never read while the upstream floods it: bounded memory, the stalled stream ends, others unaffected', async () => {
    const controls = await Promise.all(
      [0, 1].map(async () => (await connectClient(gw.url, h.member.token)).client),
    );
    const { session, headers } = await slowSession();
    const before = await sampleMemory(gw);
    const sentBefore = flood.getEventsSent;
    const load = new ControlLoad(controls, `${gw.url}/healthz`).start();
    const slow = new RawStream(
      port,
      httpRequest('GET', { ...headers, accept: 'text/event-stream' }),
    );
    await slow.waitFor(() => slow.events().length >= 10);
    slow.socket.pause();
    const stalledAt = performance.now();
    const samples: MemorySample[] = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, STALL_MS / 4));
      samples.push(await sampleMemory(gw));
    }
    const pushed = flood.getEventsSent - sentBefore;
    const logLength = await eventLogLength(session);
    const control = await load.stop();
    slow.socket.destroy();
    await new Promise((r) => setTimeout(r, 1_000));
    const after = await sampleMemory(gw);
    const peak = samples.reduce((a, b) => (b.peakHeapUsed > a.peakHeapUsed ? b : a));
    process.stdout.write(
      [
        `client-slow-reader GET: upstream pushed ${pushed} notifications of ${GET_EVENT_BYTES} B in ${STALL_MS} ms while the client did not read`,
        `  heap after GC at each quarter of the stall: ${samples.map((s) => mib(s.heapUsed)).join(', ')}`,
        `  gateway cut the stalled connection: ${slow.closedAt === undefined || slow.closedAt - stalledAt > STALL_MS ? 'no' : `yes, ${Math.round(slow.closedAt - stalledAt)} ms after the stall`}`,
        `  event log length: ${logLength} (SESSION_EVENT_LOG_MAX=${EVENT_LOG_MAX})`,
        `  ${describeControl(control)}`,
        `  memory: ${describeMemory(before, peak, after)}`,
        '',
      ].join('\n'),
    );
    expect(pushed).toBeGreaterThan(EVENT_LOG_MAX);
    expect(logLength).toBeLessThanOrEqual(EVENT_LOG_MAX * 1.2);
    expect(control.lost).toBe(0);
    expect(control.healthOk).toBe(control.healthProbes);
    // Bounded: the last quarter's heap is not above the first's by more than the log's worth.
    expect(samples[3]!.heapUsed - samples[0]!.heapUsed).toBeLessThan(
      2 * EVENT_LOG_MAX * EVENT_BYTES * 2,
    );
    expect(gw.child.exitCode).toBeNull();
    await Promise.all(controls.map((c) => c.close()));
  });
});
