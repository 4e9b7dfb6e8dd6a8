import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** A child process started by the benchmark, stopped with SIGTERM (then SIGKILL) at the end. */
export interface BenchProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The Node binary for Gatehouse's own processes (gateway, audit-service):
 * `BENCH_GATEHOUSE_NODE`, else the one running the benchmark. The fixture upstream and the
 * load generator always run on the benchmark's own Node, so a runtime comparison changes
 * only what we ship.
 */
export const GATEHOUSE_NODE = process.env['BENCH_GATEHOUSE_NODE'] || process.execPath;

/** `--version` of a Node binary (this process's own without running it). */
export function nodeVersionOf(binary: string): string {
  return binary === process.execPath
    ? process.version
    : execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

/** Starts `node <script>` (relative to the repo root) and waits until `ready()` resolves. */
export async function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  ready: () => Promise<boolean>,
  nodeArgs: string[] = [],
  nodeBinary: string = process.execPath,
): Promise<BenchProcess> {
  const child = spawn(nodeBinary, [...nodeArgs, join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not spawn ${script}`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${stderr}`);
    if (await ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within 20 s: ${stderr}`);
    }
    await sleep(100);
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return { name, child, pid, stop };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.ok;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far (Linux /proc/<pid>/stat). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
