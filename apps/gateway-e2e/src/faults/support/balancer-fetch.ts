import { createParser } from 'eventsource-parser';

/** One request as the balancer forwarded it. */
export interface ForwardedRequest {
  method: string;
  /** Index of the replica that answered (or -1: none did). */
  replica: number;
  lastEventId: string | undefined;
  status: number | undefined;
  at: number;
}

/** One SSE event a client received on a GET stream, and from which replica. */
export interface ReceivedEvent {
  id: string | undefined;
  replica: number;
  data: string;
}

/**
 * A fetch for the SDK client that behaves like a sticky load balancer: every request goes to
 * the preferred replica while it accepts connections, and to the next live one once it refuses
 * (kill -9: connection refused). It records what it forwarded, tees every GET stream to record
 * the SSE event ids the client received, and can hold resuming GETs (those with Last-Event-ID)
 * so a test can act while no replica streams to the client.
 */
export class BalancerFetch {
  readonly requests: ForwardedRequest[] = [];
  readonly events: ReceivedEvent[] = [];
  /** GET streams that ended or were cut, by replica. */
  readonly streamsEnded: number[] = [];
  private readonly dead = new Set<number>();
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  constructor(
    private readonly baseUrls: string[],
    private readonly preferred = 0,
  ) {}

  /** GETs carrying Last-Event-ID wait until `releaseResumes()`. */
  holdResumes(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  releaseResumes(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers);
    const lastEventId = headers.get('last-event-id') ?? undefined;
    if (method === 'GET' && lastEventId && this.gate) await this.gate;
    const record: ForwardedRequest = {
      method,
      replica: -1,
      lastEventId,
      status: undefined,
      at: Date.now(),
    };
    this.requests.push(record);
    let lastError: unknown;
    for (let i = 0; i < this.baseUrls.length; i++) {
      const replica = (this.preferred + i) % this.baseUrls.length;
      if (this.dead.has(replica)) continue;
      const url = new URL(input instanceof Request ? input.url : String(input));
      url.host = new URL(this.baseUrls[replica]!).host;
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch (error) {
        // Refused or reset before any answer: this replica is gone for the balancer.
        if (isConnectionFailure(error)) this.dead.add(replica);
        lastError = error;
        continue;
      }
      record.replica = replica;
      record.status = response.status;
      if (method === 'GET' && response.ok && response.body) return this.tee(response, replica);
      return response;
    }
    throw lastError;
  };

  private tee(response: Response, replica: number): Response {
    const [mine, theirs] = response.body!.tee();
    const parser = createParser({
      onEvent: (event) => {
        if (event.data) this.events.push({ id: event.id, replica, data: event.data });
      },
    });
    void (async () => {
      const reader = mine.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // cut: recorded below
      } finally {
        this.streamsEnded.push(replica);
      }
    })();
    return new Response(theirs, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
}

function isConnectionFailure(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return (
    cause?.code === 'ECONNREFUSED' ||
    cause?.code === 'ECONNRESET' ||
    /other side closed/.test(cause?.message ?? '')
  );
}
