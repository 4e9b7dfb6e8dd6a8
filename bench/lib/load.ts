import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { sessionHeaders, toolCallBody, type McpTarget } from './mcp-http';
import { processCpuSeconds } from './processes';

/** Sessions opened on one endpoint; each gets one keep-alive connection of the load generator. */
export interface LoadGroup {
  target: McpTarget;
  sessionIds: string[];
  /** Open loop: requests per second over all of the group's connections (default: closed loop). */
  rate?: number;
}

export interface WatchedProcess {
  name: string;
  pid: number;
}

export interface LoadMeasurement {
  sessions: number;
  seconds: number;
  ok: number;
  failed: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Percent of one core, per process, over the run; `loadgen` is this process. */
  cpu: Record<string, number>;
  /** Busy share of the whole machine (all cores, every process, including other users). */
  machineBusyPercent: number;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A tools/call answered with a result, not a JSON-RPC error and not a tool error. */
function isEchoResult(body: string | Buffer | undefined): boolean {
  const text = body === undefined ? '' : body.toString();
  return text.includes('"result"') && !text.includes('"isError":true');
}

function runGroup(
  group: LoadGroup,
  seconds: number,
  latencies: number[],
): Promise<autocannon.Result> {
  let next = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: group.target.url,
        method: 'POST',
        connections: group.sessionIds.length,
        duration: seconds,
        body: toolCallBody(group.target, 1),
        headers: sessionHeaders(group.target, group.sessionIds[0] ?? ''),
        verifyBody: isEchoResult,
        ...(group.rate ? { overallRate: group.rate } : {}),
        setupClient: (client) => {
          const sessionId = group.sessionIds[next++ % group.sessionIds.length] ?? '';
          client.setHeaders(sessionHeaders(group.target, sessionId));
        },
      },
      (error: unknown, result: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** Runs every group at once for `seconds`, one connection per session, as fast as answered. */
export async function runLoad(
  groups: LoadGroup[],
  seconds: number,
  watched: WatchedProcess[],
): Promise<LoadMeasurement> {
  const latencies: number[] = [];
  const cpuBefore = watched.map((w) => processCpuSeconds(w.pid));
  const machineBefore = machineTicks();
  const ownBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const results = await Promise.all(groups.map((g) => runGroup(g, seconds, latencies)));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const own = process.cpuUsage(ownBefore);
  const machineAfter = machineTicks();
  const cpu: Record<string, number> = {
    loadgen: ((own.user + own.system) / 1e6 / elapsed) * 100,
  };
  watched.forEach((w, i) => {
    cpu[w.name] = ((processCpuSeconds(w.pid) - (cpuBefore[i] ?? 0)) / elapsed) * 100;
  });
  const sorted = Float64Array.from(latencies).sort();
  const failed = results.reduce(
    (sum, r) => sum + r.non2xx + r.errors + r.timeouts + r.mismatches,
    0,
  );
  const ok =
    results.reduce((sum, r) => sum + r['2xx'], 0) - results.reduce((s, r) => s + r.mismatches, 0);
  return {
    sessions: groups.reduce((sum, g) => sum + g.sessionIds.length, 0),
    seconds: elapsed,
    ok,
    failed,
    rps: ok / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    cpu,
    machineBusyPercent:
      ((machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)) * 100,
  };
}
