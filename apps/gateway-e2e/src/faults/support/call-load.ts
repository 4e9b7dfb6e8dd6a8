import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** One tool call as the client saw it. */
export interface CallRecord {
  /** The unique text the call echoes (also found in its audit row's arguments). */
  text: string;
  worker: number;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** The error the client got (message), when not ok. */
  error?: string;
}

export interface LoadSummary {
  attempted: number;
  succeeded: number;
  failed: number;
  /** Calls that never ended (should be 0: a hung call counts here until the deadline). */
  hung: number;
  errors: Record<string, number>;
}

/**
 * Steady tool-call load: each worker owns one MCP session (official SDK client) and calls
 * `tool` with a unique `text` one call after another, `pauseMs` apart, until stopped. Every
 * call is recorded with its outcome, so a fault test can count attempted / succeeded / lost and
 * look up each call's audit row by its text.
 */
export class CallLoad {
  readonly calls: CallRecord[] = [];
  private running = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    private readonly clients: Client[],
    private readonly options: {
      tag: string;
      tool?: string;
      pauseMs?: number;
      /** Per-call client timeout: a call that takes longer counts as failed (hung). */
      callTimeoutMs?: number;
    },
  ) {}

  start(): void {
    this.loops = this.clients.map((client, worker) => this.loop(client, worker));
  }

  /** Stops issuing calls and waits for the ones in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  get inFlight(): number {
    return this.running;
  }

  summary(filter: (call: CallRecord) => boolean = () => true): LoadSummary {
    const calls = this.calls.filter(filter);
    const errors: Record<string, number> = {};
    for (const call of calls)
      if (!call.ok && call.error) errors[call.error] = (errors[call.error] ?? 0) + 1;
    return {
      attempted: calls.length,
      succeeded: calls.filter((c) => c.ok).length,
      failed: calls.filter((c) => !c.ok).length,
      hung: calls.filter((c) => !c.ok && c.error?.includes('timed out')).length,
      errors,
    };
  }

  private async loop(client: Client, worker: number): Promise<void> {
    const tool = this.options.tool ?? 'alpha__echo';
    while (!this.stopped) {
      const text = `${this.options.tag}-${worker}-${this.seq++}`;
      const record: CallRecord = { text, worker, startedAt: Date.now(), endedAt: 0, ok: false };
      this.calls.push(record);
      this.running++;
      try {
        const result = (await client.callTool({ name: tool, arguments: { text } }, undefined, {
          timeout: this.options.callTimeoutMs ?? 15_000,
        })) as CallToolResult;
        const echoed = (result.content[0] as { text?: string } | undefined)?.text;
        record.ok = !result.isError && echoed === text;
        if (!record.ok) record.error = `unexpected result: ${JSON.stringify(result).slice(0, 200)}`;
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
      } finally {
        record.endedAt = Date.now();
        this.running--;
      }
      if (this.options.pauseMs) await new Promise((r) => setTimeout(r, this.options.pauseMs));
    }
  }
}
