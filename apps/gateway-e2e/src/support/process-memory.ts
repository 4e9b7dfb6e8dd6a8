import { join } from 'node:path';
import type { GatewayProcess } from './gateway-process';

/** Environment that preloads the memory probe into a gateway started with startGatewayProcess. */
export function memoryProbeEnv(): Record<string, string> {
  return { NODE_OPTIONS: `--require ${join(__dirname, 'memory-probe.cjs')}` };
}

export interface MemorySample {
  /** After two forced full GCs. */
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Highest values sampled (every 50 ms) since the previous sample. */
  peakRss: number;
  peakHeapUsed: number;
}

/** Asks the probe for a sample (SIGUSR2) and waits for its line on the process's stderr. */
export async function sampleMemory(
  gateway: GatewayProcess,
  timeoutMs = 10_000,
): Promise<MemorySample> {
  const before = gateway.output().split('MEMPROBE ').length;
  gateway.child.kill('SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const parts = gateway.output().split('MEMPROBE ');
    if (parts.length > before) return JSON.parse(parts[parts.length - 1]!.split('\n')[0]!);
    if (Date.now() > deadline) throw new Error('the memory probe did not answer');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** before → peak → after, for the logs and docs/reliability.md. */
export function describeMemory(before: MemorySample, during: MemorySample, after: MemorySample) {
  return (
    `rss ${mib(before.rss)} → peak ${mib(Math.max(during.peakRss, after.peakRss))} → ${mib(after.rss)}; ` +
    `heap ${mib(before.heapUsed)} → peak ${mib(Math.max(during.peakHeapUsed, after.peakHeapUsed))} → ${mib(after.heapUsed)}`
  );
}

/** The value of one Prometheus series at `${baseUrl}/metrics` (summed over matching label sets). */
export async function metricValue(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`)))
      total += Number(match[3]);
  }
  return total;
}

/** Polls `check` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
