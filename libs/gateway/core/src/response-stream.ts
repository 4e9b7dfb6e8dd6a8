import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export type StreamedResponse =
  | { kind: 'json'; body: JSONRPCMessage | JSONRPCMessage[] }
  | { kind: 'sse'; events: AsyncIterable<JSONRPCMessage> };

/**
 * The answer to one POST. It stays plain JSON while nothing but final responses arrive, and
 * turns into an SSE stream the moment an intermediate message (progress, logging, a server
 * request) must reach the client before the response: relayed as it comes, never buffered.
 */
export class ResponseStream {
  private mode: 'pending' | 'sse' | 'done' = 'pending';
  private readonly responses: JSONRPCMessage[] = [];
  private readonly queue: JSONRPCMessage[] = [];
  private wake: (() => void) | undefined;
  private finished = false;
  private resolveReady!: (response: StreamedResponse) => void;
  readonly ready: Promise<StreamedResponse>;

  constructor(
    private readonly expectedResponses: number,
    private readonly batch: boolean,
    private readonly maxQueued = 10_000,
  ) {
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
  }

  /** True while the client may still receive messages on this response. */
  get open(): boolean {
    return !this.finished;
  }

  /** A message that precedes the final responses: switches to SSE. */
  send(message: JSONRPCMessage): void {
    if (this.finished) return;
    if (this.mode === 'pending') this.startStreaming();
    this.push(message);
  }

  /** One of the final responses; the stream ends after the last one. */
  respond(message: JSONRPCMessage): void {
    if (this.finished) return;
    this.responses.push(message);
    if (this.mode === 'sse') this.push(message);
    if (this.responses.length < this.expectedResponses) return;
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

  /** Ends the stream early (client gone or shutdown). */
  end(): void {
    this.finished = true;
    this.wake?.();
  }

  private push(message: JSONRPCMessage): void {
    // A client that never reads must not grow the gateway's memory without bound.
    if (this.queue.length >= this.maxQueued) {
      this.end();
      return;
    }
    this.queue.push(message);
    this.wake?.();
  }

  private startStreaming(): void {
    this.mode = 'sse';
    const events: AsyncIterable<JSONRPCMessage> = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<JSONRPCMessage>> => {
          for (;;) {
            const message = this.queue.shift();
            if (message !== undefined) return { value: message, done: false };
            if (this.finished) return { value: undefined, done: true };
            await new Promise<void>((resolve) => {
              this.wake = resolve;
            });
            this.wake = undefined;
          }
        },
        return: async (): Promise<IteratorResult<JSONRPCMessage>> => {
          this.end();
          return { value: undefined, done: true };
        },
      }),
    };
    this.resolveReady({ kind: 'sse', events });
  }
}
