import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { InflightNote } from './inflight-record';

export interface SseEvent {
  id?: string;
  message: JSONRPCMessage;
}

export type StreamedResponse =
  | { kind: 'json'; body: JSONRPCMessage | JSONRPCMessage[] }
  | { kind: 'sse'; events: AsyncIterable<SseEvent> };

/** Stores an SSE event for resumption and returns its id (undefined when not logged). */
export type EventLogger = (
  message: JSONRPCMessage,
  final: boolean,
  note?: InflightNote,
) => Promise<string | undefined>;

/**
 * The answer to one POST. It stays plain JSON while nothing but final responses arrive, and
 * turns into an SSE stream the moment an intermediate message (progress, logging, a server
 * request) must reach the client before the response: relayed as it comes, never buffered.
 * Streamed events are logged (in order) so a client that lost the connection can resume with
 * Last-Event-ID; once the client is gone they are only logged, not queued in memory.
 */
export class ResponseStream {
  private mode: 'pending' | 'sse' | 'done' = 'pending';
  private readonly responses: JSONRPCMessage[] = [];
  private readonly queue: Promise<SseEvent>[] = [];
  private logged: Promise<unknown> = Promise.resolve();
  /** Events handed to logEvent's chain and not yet written. */
  private pendingLogs = 0;
  private wake: (() => void) | undefined;
  private finished = false;
  private detached = false;
  private resolveReady!: (response: StreamedResponse) => void;
  readonly ready: Promise<StreamedResponse>;

  constructor(
    private readonly expectedResponses: number,
    private readonly batch: boolean,
    private readonly logEvent: EventLogger = async () => undefined,
    private readonly maxQueued = 10_000,
    /** Runs in log order when a noted call ends without a logged response (cancelled). */
    private readonly onForget: (requestId: RequestId) => Promise<void> = async () => undefined,
    private readonly maxPendingLogs = 1_000,
  ) {
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
  }

  /**
   * A stream with no client attached that only logs: another replica finishing a call whose
   * client stream already is SSE (its events go to the log, which the client tails).
   */
  static loggingOnly(
    logEvent: EventLogger,
    onForget?: (requestId: RequestId) => Promise<void>,
  ): ResponseStream {
    const stream = new ResponseStream(1, false, logEvent, 0, onForget);
    stream.startStreaming();
    stream.detach();
    return stream;
  }

  /** True while messages for this response are still accepted. */
  get open(): boolean {
    return !this.finished;
  }

  /** The client went away: keep logging for a resume, stop holding events in memory. */
  detach(): void {
    this.detached = true;
    this.queue.length = 0;
    this.wake?.();
  }

  /** A message that precedes the final responses: switches to SSE. */
  send(message: JSONRPCMessage, note?: InflightNote): void {
    if (this.finished) return;
    if (this.mode === 'pending') this.startStreaming();
    this.push(message, false, note);
  }

  /** The call ended without a response that will be logged (it was cancelled): drop its note. */
  forget(requestId: RequestId): void {
    if (this.mode !== 'sse') return;
    this.logged = this.logged.then(() => this.onForget(requestId)).catch(() => undefined);
  }

  /**
   * Back-pressure for whoever feeds this stream: undefined while the event log keeps up, else
   * a promise that settles once it has caught up. An upstream pushing faster than the log is
   * written must wait, or every pending event (and its message) piles up in memory.
   */
  caughtUp(): Promise<unknown> | undefined {
    return this.pendingLogs > this.maxPendingLogs ? this.logged : undefined;
  }

  /** Settles once every event pushed so far is in the log. */
  async settled(): Promise<void> {
    await this.logged;
  }

  /** One of the final responses; the stream ends after the last one. */
  respond(message: JSONRPCMessage): void {
    if (this.finished) return;
    this.responses.push(message);
    const last = this.responses.length >= this.expectedResponses;
    if (this.mode === 'sse') this.push(message, last);
    if (!last) return;
    if (this.mode === 'pending') {
      this.mode = 'done';
      this.finished = true;
      const single = this.responses[0];
      this.resolveReady({
        kind: 'json',
        body: this.batch || single === undefined ? this.responses : single,
      });
      return;
    }
    this.end();
  }

  /** Ends the stream early (cancelled, or shutdown). */
  end(): void {
    // Still plain JSON with nothing to send (a call cancelled before any message): the POST is
    // answered with an SSE stream that ends at once, rather than never.
    if (this.mode === 'pending') this.startStreaming();
    this.finished = true;
    this.wake?.();
  }

  private push(message: JSONRPCMessage, final: boolean, note?: InflightNote): void {
    this.pendingLogs += 1;
    const logged = this.logged
      .then(() => this.logEvent(message, final, note))
      .catch(() => undefined)
      .finally(() => {
        this.pendingLogs -= 1;
      });
    this.logged = logged;
    if (this.detached) return;
    // A client that never reads must not grow the gateway's memory without bound.
    if (this.queue.length >= this.maxQueued) {
      this.detach();
      return;
    }
    this.queue.push(logged.then((id) => (id === undefined ? { message } : { id, message })));
    this.wake?.();
  }

  private startStreaming(): void {
    this.mode = 'sse';
    const events: AsyncIterable<SseEvent> = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<SseEvent>> => {
          for (;;) {
            const event = this.queue.shift();
            if (event !== undefined) return { value: await event, done: false };
            if (this.finished || this.detached) return { value: undefined, done: true };
            await new Promise<void>((resolve) => {
              this.wake = resolve;
            });
            this.wake = undefined;
          }
        },
        return: async (): Promise<IteratorResult<SseEvent>> => {
          this.detach();
          return { value: undefined, done: true };
        },
      }),
    };
    this.resolveReady({ kind: 'sse', events });
  }
}
