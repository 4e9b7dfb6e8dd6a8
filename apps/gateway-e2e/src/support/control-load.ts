import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface ControlFigures {
  attempted: number;
  succeeded: number;
  lost: number;
  /** The first few failures, for the report. */
  failures: string[];
  /** Slowest call, ms. */
  maxCallMs: number;
  /** /healthz probes: how many, how many answered 200, slowest. */
  healthProbes: number;
  healthOk: number;
  maxHealthMs: number;
}

/**
 * The well-behaved traffic that must keep working while a fault runs: each client calls
 * `tool` (an echo of a unique text) in a loop, and /healthz is probed every 100 ms. A call is
 * lost when it fails or returns anything but its own text.
 */
export class ControlLoad {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly figures: ControlFigures = {
    attempted: 0,
    succeeded: 0,
    lost: 0,
    failures: [],
    maxCallMs: 0,
    healthProbes: 0,
    healthOk: 0,
    maxHealthMs: 0,
  };

  constructor(
    private readonly clients: Client[],
    private readonly healthUrl: string,
    private readonly tool = 'alpha__echo',
    private readonly pauseMs = 20,
  ) {}

  start(): this {
    this.running = true;
    this.loops = [...this.clients.map((client, i) => this.callLoop(client, i)), this.healthLoop()];
    return this;
  }

  async stop(): Promise<ControlFigures> {
    this.running = false;
    await Promise.all(this.loops);
    return { ...this.figures, failures: [...this.figures.failures] };
  }

  private async callLoop(client: Client, index: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const text = `control ${index}/${n}`;
      const started = performance.now();
      this.figures.attempted += 1;
      try {
        const result = (await client.callTool({ name: this.tool, arguments: { text } }, undefined, {
          timeout: 30_000,
        })) as CallToolResult;
        const got = (result.content[0] as { text?: string } | undefined)?.text;
        if (got === text) this.figures.succeeded += 1;
        else this.fail(`${text}: got ${JSON.stringify(result).slice(0, 200)}`);
      } catch (error) {
        this.fail(`${text}: ${String(error)}`);
      }
      this.figures.maxCallMs = Math.max(this.figures.maxCallMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  private async healthLoop(): Promise<void> {
    while (this.running) {
      const started = performance.now();
      this.figures.healthProbes += 1;
      try {
        const response = await fetch(this.healthUrl, { signal: AbortSignal.timeout(5_000) });
        if (response.status === 200) this.figures.healthOk += 1;
        await response.text();
      } catch {
        // counted as not ok
      }
      this.figures.maxHealthMs = Math.max(this.figures.maxHealthMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private fail(detail: string): void {
    this.figures.lost += 1;
    if (this.figures.failures.length < 5) this.figures.failures.push(detail);
  }
}

export function describeControl(f: ControlFigures): string {
  return (
    `control calls attempted=${f.attempted} succeeded=${f.succeeded} lost=${f.lost} ` +
    `(slowest ${Math.round(f.maxCallMs)} ms); /healthz ${f.healthOk}/${f.healthProbes} ok ` +
    `(slowest ${Math.round(f.maxHealthMs)} ms)`
  );
}
