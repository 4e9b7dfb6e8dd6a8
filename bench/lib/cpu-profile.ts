import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  /** Share of the non-idle samples. */
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: ProfileRow[];
  packages: ProfileRow[];
}

function isCpuProfile(value: unknown): value is CpuProfile {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { nodes?: unknown }).nodes) &&
    Array.isArray((value as { samples?: unknown }).samples) &&
    Array.isArray((value as { timeDeltas?: unknown }).timeDeltas)
  );
}

/** Our build output: `dist/` or a private build such as `tmp/bench-dist/`. */
const DIST_DIR = /\/(?:[\w-]*-)?dist\//;

function isOurs(url: string): boolean {
  return DIST_DIR.test(url) && !url.includes('/node_modules/');
}

/** Where a frame's code lives: our dist/, an npm package, node internals, or V8 itself. */
function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native/V8)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const dist = DIST_DIR.exec(url);
  if (dist) {
    const parts = url.slice(dist.index + dist[0].length).split('/');
    return `gatehouse ${parts.slice(0, parts[0] === 'libs' ? 3 : 2).join('/')}`;
  }
  return url;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const dist = DIST_DIR.exec(url);
  return dist ? url.slice(dist.index + dist[0].length) : url;
}

function top(map: Map<string, number>, busyMs: number, limit: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, selfMs]) => ({ name, selfMs, percent: (selfMs / busyMs) * 100 }));
}

/**
 * Self time per function and per package from a V8 .cpuprofile (sample i costs timeDeltas[i]).
 * Samples in the first `skipMs` of the profile (start-up, warm-up) are left out, and with
 * `untilMs` those after it (shutdown).
 */
export function summariseCpuProfile(
  path: string,
  skipMs = 0,
  limit = 25,
  untilMs = Infinity,
): ProfileSummary {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isCpuProfile(parsed)) throw new Error(`${path} is not a V8 CPU profile`);
  const byId = new Map(parsed.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let elapsedMs = 0;
  parsed.samples.forEach((nodeId, i) => {
    const node = byId.get(nodeId);
    const ms = (parsed.timeDeltas[i] ?? 0) / 1000;
    elapsedMs += ms;
    if (!node || elapsedMs < skipMs || elapsedMs > untilMs) return;
    totalMs += ms;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
  });
  const busyMs = totalMs - idleMs;
  return {
    totalMs,
    idleMs,
    functions: top(byFunction, busyMs, limit),
    packages: top(byPackage, busyMs, limit),
  };
}

/**
 * Self time of the given (native) functions, charged to the nearest caller frame that is our
 * code, fastify's reply or undici's HTTP/1 client: answers "which of our steps pays for the
 * socket writes". Same `skipMs` as summariseCpuProfile.
 */
export function attributeToCallers(
  path: string,
  functionNames: readonly string[],
  skipMs = 0,
): ProfileRow[] {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isCpuProfile(parsed)) throw new Error(`${path} is not a V8 CPU profile`);
  const byId = new Map(parsed.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of parsed.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byCaller = new Map<string, number>();
  let totalMs = 0;
  let elapsedMs = 0;
  parsed.samples.forEach((nodeId, i) => {
    const ms = (parsed.timeDeltas[i] ?? 0) / 1000;
    elapsedMs += ms;
    const node = byId.get(nodeId);
    if (!node || elapsedMs < skipMs || !functionNames.includes(node.callFrame.functionName)) return;
    totalMs += ms;
    let caller = '(other)';
    for (let id = parentOf.get(nodeId); id !== undefined; id = parentOf.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame) break;
      if (frame.url.includes('fastify/lib/reply')) caller = 'fastify reply (answer to the client)';
      else if (frame.url.includes('undici/lib/dispatcher/client-h1'))
        caller = 'undici (upstream request)';
      else if (isOurs(frame.url)) caller = `${frame.functionName} ${shortUrl(frame.url)}`;
      else continue;
      break;
    }
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + ms);
  });
  return top(byCaller, totalMs, 12);
}
