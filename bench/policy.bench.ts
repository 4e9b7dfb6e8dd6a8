/**
 * Warm policy decisions: 200 rules over 20 upstreams (exact and glob targets, subjects by role,
 * person and email glob, risk targets, a third of the rules with CEL conditions). Measures
 * evaluatePolicy after warm-up, one timer per call, and prints p50/p95/p99 and ops/s.
 *
 *   npx tsx bench/policy.bench.ts [iterations]
 */
import {
  compilePolicy,
  couldEverAllow,
  evaluatePolicy,
  type EvaluationInput,
  type PolicyRuleInput,
  type RiskLevel,
} from '@gatehouse/policy';

const UPSTREAMS = Array.from({ length: 20 }, (_, i) => `upstream-${i}`);
const TOOLS = ['list_items', 'get_item', 'create_item', 'update_item', 'delete_item', 'search'];
const RISKS: RiskLevel[] = ['read_only', 'read_only', 'write', 'write', 'destructive', 'read_only'];
const CONDITIONS = [
  "args.path.startsWith('/tmp/')",
  'size(args.items) < 10',
  "'admin' in identity.roles",
  "now.getHours('UTC') >= 6 && now.getHours('UTC') < 22",
  "tool.risk != 'destructive' || args.confirm == true",
  "identity.email.endsWith('@example.com') && session.clientName != 'unknown'",
];

/** Deterministic pseudo-random numbers (mulberry32), so every run sees the same policy. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function buildRules(): PolicyRuleInput[] {
  const random = seededRandom(7);
  const rules: PolicyRuleInput[] = [];
  for (let i = 0; i < 200; i++) {
    const roll = random();
    const effect = roll < 0.15 ? 'deny' : roll < 0.3 ? 'require_approval' : 'allow';
    const upstream =
      random() < 0.1 ? `${pick(random, UPSTREAMS).slice(0, -1)}*` : pick(random, UPSTREAMS);
    const toolRoll = random();
    const tool =
      effect === 'deny'
        ? 'delete_*'
        : toolRoll < 0.5
          ? pick(random, TOOLS)
          : toolRoll < 0.8
            ? '*_item'
            : '*';
    const subjects = pick(random, [
      ['*'],
      ['role:member'],
      ['role:admin'],
      ['email:*@example.com'],
      [`person:p-${i % 64}`],
    ]);
    rules.push({
      id: `rule-${i}`,
      name: `Rule ${i}`,
      effect,
      subjects,
      targets: {
        upstream,
        tool,
        ...(random() < 0.15 ? { risk: ['write' as const, 'destructive' as const] } : {}),
      },
      ...(random() < 0.35 ? { condition: pick(random, CONDITIONS) } : {}),
      priority: Math.floor(random() * 10),
      enabled: random() < 0.95,
    });
  }
  return rules;
}

function buildCalls(): EvaluationInput[] {
  const random = seededRandom(11);
  return Array.from({ length: 64 }, (_, i) => {
    const upstream = pick(random, UPSTREAMS);
    const toolIndex = Math.floor(random() * TOOLS.length);
    return {
      identity: {
        id: `p-${i}`,
        email: random() < 0.7 ? 'dev@example.com' : 'ops@other.org',
        roles: random() < 0.2 ? ['member', 'admin'] : ['member'],
        scopes: random() < 0.8 ? ['mcp:call'] : ['mcp:call', `upstream:${upstream}`],
        tenant: 't1',
      },
      session: { id: `s-${i}`, clientName: 'claude-code', clientVersion: '2.0.0' },
      upstream,
      tool: {
        name: TOOLS[toolIndex] ?? 'search',
        risk: { level: RISKS[toolIndex] ?? 'destructive', openWorld: true, source: 'default' },
      },
      args: {
        path: random() < 0.5 ? '/tmp/report.csv' : '/etc/hosts',
        items: [1, 2, 3],
        confirm: random() < 0.5,
      },
      now: new Date(Date.UTC(2026, 10, 2, Math.floor(random() * 24))),
    };
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function measure(
  name: string,
  iterations: number,
  run: (i: number) => unknown,
): Record<string, string> {
  for (let i = 0; i < Math.min(iterations, 50_000); i++) run(i);
  const samples = new Float64Array(iterations);
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    if (run(i)) sink++;
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort();
  if (sink < 0) console.log(sink);
  return {
    scenario: name,
    'p50 µs': percentile(samples, 50).toFixed(2),
    'p95 µs': percentile(samples, 95).toFixed(2),
    'p99 µs': percentile(samples, 99).toFixed(2),
    'ops/s': Math.round(iterations / totalSeconds).toLocaleString('en-US'),
  };
}

function main(): void {
  const iterations = Number(process.argv[2] ?? 200_000);
  const rules = buildRules();
  const compileStart = process.hrtime.bigint();
  const policy = compilePolicy(rules, 1);
  const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;
  const calls = buildCalls();
  const at = (i: number): EvaluationInput =>
    calls[i % calls.length] ?? (calls[0] as EvaluationInput);

  const effects = { allow: 0, deny: 0, require_approval: 0 };
  for (const call of calls) effects[evaluatePolicy(policy, call).effect] += 1;

  console.log(
    `node ${process.version}, ${rules.length} rules (${policy.rules.length} enabled), ` +
      `${UPSTREAMS.length} upstreams, compile ${compileMs.toFixed(1)} ms, ` +
      `${iterations.toLocaleString('en-US')} iterations per scenario`,
  );
  console.log(`effects over the ${calls.length} calls: ${JSON.stringify(effects)}`);
  console.table([
    measure('evaluatePolicy (warm)', iterations, (i) => evaluatePolicy(policy, at(i)).effect),
    measure('couldEverAllow (tools/list)', iterations, (i) => {
      const call = at(i);
      return couldEverAllow(policy, {
        identity: call.identity,
        upstream: call.upstream,
        tool: call.tool,
      });
    }),
  ]);
}

main();
