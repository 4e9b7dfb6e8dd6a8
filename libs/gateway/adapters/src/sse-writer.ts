import type { ServerResponse } from 'node:http';
import type { McpHttpResponse } from '@gatehouse/gateway-core';
import type { Logger } from '@gatehouse/telemetry';

type SseEvents = Extract<McpHttpResponse, { stream: unknown }>['stream'];

/** The part of the HTTP response the writer uses (a fake one in unit tests). */
export type SseSink = Pick<
  ServerResponse,
  'write' | 'end' | 'destroy' | 'destroyed' | 'writableFinished' | 'on' | 'once' | 'off'
>;

export interface SseWriterOptions {
  /** How long a write may wait for `drain` before the connection is closed; 0: forever. */
  stallTimeoutMs: number;
  /** A comment line this often keeps idle streams open through proxies and load balancers. */
  keepAliveMs: number;
  logger: Logger;
  /** For the log line only. */
  sessionId: string | undefined;
}

/**
 * Writes `events` to an SSE response whose headers are sent, until the stream ends or the
 * client goes. A client that stops reading (dead peer behind a NAT, hung process) is cut after
 * `stallTimeoutMs` without drain: its events are in the session's event log, so it can resume
 * with Last-Event-ID, and the connection no longer waits for TCP to give up.
 */
export async function writeSseStream(
  raw: SseSink,
  events: SseEvents,
  options: SseWriterOptions,
): Promise<void> {
  const stall = new StallGuard(raw, options);
  const heartbeat = setInterval(() => {
    if (!raw.destroyed && !raw.write(': keep-alive\n\n')) stall.arm();
  }, options.keepAliveMs);
  try {
    for await (const event of events) {
      if (raw.destroyed) break;
      const id = event.id === undefined ? '' : `id: ${event.id}\n`;
      const ok = raw.write(`event: message\n${id}data: ${JSON.stringify(event.message)}\n\n`);
      if (ok) continue;
      stall.arm();
      await drainOrClose(raw);
      // Gone, or cut by the stall guard: stop reading the events (they stay in the log).
      if (raw.destroyed) break;
    }
  } catch (error) {
    options.logger.warn({ err: error }, 'SSE stream ended with an error');
  } finally {
    clearInterval(heartbeat);
    raw.end();
    stall.ended();
  }
}

/** Resolves on `drain` or `close`, leaving no listener behind (a long stream stalls often). */
function drainOrClose(raw: SseSink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

/**
 * One timer while the response's buffer is full, none while writes go through: a write that
 * returns false arms it, `drain` disarms it, and if it fires the response is destroyed (which
 * emits `close`, so the writer's wait ends and the request is treated as a disconnect).
 */
class StallGuard {
  private timer: NodeJS.Timeout | undefined;
  /** What tells that the client took the buffered data: `finish` once the response is ended. */
  private progress: 'drain' | 'finish' = 'drain';
  private readonly unstalled = () => this.disarm();

  constructor(
    private readonly raw: SseSink,
    private readonly options: SseWriterOptions,
  ) {}

  /** A write returned false (its data waits in the response's buffer). */
  arm(): void {
    if (this.timer !== undefined || this.options.stallTimeoutMs === 0) return;
    this.raw.once(this.progress, this.unstalled);
    this.timer = setTimeout(() => this.stalled(), this.options.stallTimeoutMs);
  }

  /**
   * The response was ended. Its last bytes must still reach the client: a stream that ends
   * while the client is stalled (a GET tail that fell too far behind ends, say) would otherwise
   * hold the connection as before. A running timer keeps counting from the stall.
   */
  ended(): void {
    const stuck = !this.raw.writableFinished && !this.raw.destroyed;
    if (!stuck || this.options.stallTimeoutMs === 0) return this.disarm();
    this.raw.off('drain', this.unstalled);
    this.progress = 'finish';
    if (this.timer === undefined) this.arm();
    else this.raw.once('finish', this.unstalled);
    this.raw.once('close', this.unstalled);
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const event of ['drain', 'finish', 'close'] as const) this.raw.off(event, this.unstalled);
  }

  private stalled(): void {
    this.disarm();
    if (this.raw.destroyed) return;
    this.options.logger.info(
      { sessionId: this.options.sessionId, stallTimeoutMs: this.options.stallTimeoutMs },
      'SSE client stopped reading; connection closed',
    );
    this.raw.destroy();
  }
}
