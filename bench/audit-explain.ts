/**
 * Query plans of every audit query the product runs, on a generated audit trail of ROWS rows
 * (default 10,000,000): 4 tenants (50/25/15/10 %), 300 people per tenant with a skewed share
 * each, 8 upstreams × 10 tools, sessions of ~2 h per person, decisions and outcomes with
 * realistic rates, redacted-looking arguments, 30 days ending now. The queries are not copies:
 * each scenario calls the real AuditEventRepository method, the SQL it sends is captured at the
 * `pg` pool and re-run as `EXPLAIN (ANALYZE, BUFFERS)` with the same parameters.
 *
 *   npx tsx --tsconfig tsconfig.base.json bench/audit-explain.ts > tmp/audit-explain.md
 *
 * Env: ROWS (default 10000000); DB=<name> reuses a database made by an earlier run with KEEP=1
 * (pending migrations are applied to it, nothing is generated); KEEP=1 leaves the database in
 * place (it takes ~8 GB for 10M rows; drop it with `DROP DATABASE <name>`); ONLY=<regex>
 * limits the scenarios. A fresh run fills the stats rollup (audit_tool_hours) after
 * generating; on a reused database from before the rollup, its migration backfills it. Needs Postgres as the integration tests (TEST_DATABASE_BASE_URL).
 * Results: docs/audit-query-plans.md.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool, type QueryConfig } from 'pg';
import {
  createTestDatabase,
  encodeCursor,
  migrate,
  pgExecutor,
  type AuditEventRepository,
  type Repositories,
} from '@gatehouse/data-access';
import { createRepositories } from '@gatehouse/data-access';
import { PrismaClient } from '../libs/data-access/db/src/generated/prisma/client';

const ROWS = Number(process.env['ROWS'] ?? 10_000_000);
const CHUNK = 500_000;
const DAY_MS = 86_400_000;
const BASE_URL =
  process.env['TEST_DATABASE_BASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ONLY = process.env['ONLY'] ? new RegExp(process.env['ONLY']) : null;

function urlOf(database: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function first<T>(values: readonly T[]): T {
  const [value] = values;
  if (value === undefined) throw new Error('expected a row');
  return value;
}

/**
 * One chunk [lo, hi] of the generated trail. Row i's time is start + i/ROWS of 30 days, so ids
 * (UUIDv7 built from that time) and times rise together as in production. setseed() before the
 * first chunk makes the data repeatable.
 */
const GENERATE_CHUNK = `
INSERT INTO audit_events (id, v, tenant_id, time, kind, person_id, token_id, session_id,
  client_name, client_version, method, upstream, tool, decision, matched_rules, approval_id,
  outcome, error_code, latency_ms, trace_id, span_id, client_address, user_agent, arguments,
  result_summary, details)
SELECT
  (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') || '7' ||
     substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid,
  1, ($5::uuid[])[tn + 1], t, kind::audit_kind,
  md5('person-' || tn || '-' || pn)::uuid,
  md5('token-' || tn || '-' || pn)::uuid,
  CASE WHEN kind = 'mcp' THEN md5('session-' || tn || '-' || pn || '-' || (extract(epoch FROM t)::bigint / 7200)) END,
  CASE WHEN kind = 'mcp' THEN (ARRAY['claude-code', 'cursor', 'vscode', 'mcp-inspector'])[pn % 4 + 1] END,
  CASE WHEN kind = 'mcp' THEN '1.' || (pn % 7) || '.0' END,
  method, upstream, tool, decision,
  CASE WHEN decision IS NULL THEN ARRAY[]::text[] ELSE ARRAY['rule-' || un, 'rule-default'] END,
  CASE WHEN decision = 'require_approval' THEN md5('approval-' || i)::uuid END,
  outcome::audit_outcome,
  CASE outcome WHEN 'error' THEN -32603 WHEN 'upstream_error' THEN -32000
               WHEN 'timed_out' THEN -32001 WHEN 'denied' THEN -32003 END,
  CASE WHEN outcome = 'denied' THEN 0 ELSE 2 + (power(rl, 3) * 3000)::int END,
  md5('trace-' || i), substr(md5('span-' || i), 1, 16),
  '10.' || tn || '.' || (pn / 256) || '.' || (pn % 256), 'node/22 mcp-sdk/1.' || (pn % 5),
  CASE WHEN method = 'tools/call' THEN jsonb_build_object(
    'repo', 'acme/service-' || (i % 97), 'query', 'status:open label:bug ' || (i % 1013),
    'limit', 20 + i % 80, 'authorization', '[redacted]') END,
  CASE WHEN method = 'tools/call' THEN jsonb_build_object(
    'isError', outcome <> 'ok', 'contentItems', i % 5, 'bytes', (rl * 20000)::int) END,
  CASE WHEN kind = 'admin' THEN jsonb_build_object(
    'before', jsonb_build_object('enabled', true), 'after', jsonb_build_object('enabled', false)) END
FROM (
  SELECT i, t, tn, pn, un, rl, kind, method,
         CASE WHEN method IN ('tools/call', 'tools/list', 'resources/read') THEN upstream END AS upstream,
         CASE WHEN method = 'tools/call' THEN upstream || '__' || verb END AS tool,
         decision,
         CASE
           WHEN decision = 'deny' THEN 'denied'
           WHEN decision = 'require_approval' THEN CASE WHEN ro < 0.7 THEN 'ok' ELSE 'denied' END
           WHEN ro < 0.93 THEN 'ok' WHEN ro < 0.96 THEN 'error'
           WHEN ro < 0.99 THEN 'upstream_error' ELSE 'timed_out'
         END AS outcome
  FROM (
    SELECT i, t, tn, pn, un, rl, ro, kind, method,
           (ARRAY['github', 'jira', 'slack', 'postgres', 'files', 'search', 'notion', 'linear'])[un + 1] AS upstream,
           (ARRAY['search', 'get_issue', 'create_issue', 'list_files', 'read_file', 'write_file',
                  'run_query', 'send_message', 'update_item', 'delete_item'])[vn + 1] AS verb,
           CASE
             WHEN method = 'tools/call' THEN
               CASE WHEN rd < 0.90 THEN 'allow' WHEN rd < 0.97 THEN 'deny' ELSE 'require_approval' END
             WHEN method IN ('tools/list', 'resources/read') THEN 'allow'
           END AS decision
    FROM (
      SELECT i, t, tn, pn, un, vn, rl, ro, rd, kind,
             CASE WHEN kind = 'admin' THEN 'policy.update'
                  WHEN rm < 0.87 THEN 'tools/call' WHEN rm < 0.93 THEN 'tools/list'
                  WHEN rm < 0.97 THEN 'resources/read' ELSE 'initialize' END AS method
      FROM (
        SELECT i,
               $1::timestamptz + (i::float8 / $2) * interval '30 days' AS t,
               CASE WHEN r1 < 0.5 THEN 0 WHEN r1 < 0.75 THEN 1 WHEN r1 < 0.9 THEN 2 ELSE 3 END AS tn,
               floor(power(random(), 2) * 300)::int AS pn,
               floor(power(random(), 1.5) * 8)::int AS un,
               floor(power(random(), 2) * 10)::int AS vn,
               CASE WHEN random() < 0.02 THEN 'admin' ELSE 'mcp' END AS kind,
               random() AS rm, random() AS rd, random() AS ro, random() AS rl
        FROM (SELECT i, random() AS r1 FROM generate_series($3::bigint, $4::bigint) AS i) AS s
      ) AS a
    ) AS b
  ) AS c
) AS d`;

async function generate(url: string, tenantIds: string[], start: Date): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Building the secondary indexes once after the load is much faster than maintaining them
    // row by row; they are recreated from their own definitions, so they are the migration's.
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename = 'audit_events' AND indexname <> 'audit_events_pkey'`,
    );
    for (const index of indexes) await client.query(`DROP INDEX "${index.indexname}"`);
    // The tenants exist; skip the per-row foreign-key trigger during the load.
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SELECT setseed(0.42)`);
    for (let lo = 0; lo < ROWS; lo += CHUNK) {
      const hi = Math.min(lo + CHUNK, ROWS) - 1;
      const began = performance.now();
      await client.query(GENERATE_CHUNK, [start, ROWS, lo, hi, tenantIds]);
      log(`rows ${lo}..${hi} in ${Math.round(performance.now() - began)} ms`);
    }
    await client.query(`SET session_replication_role = origin`);
    await client.query(`SET maintenance_work_mem = '1GB'`);
    for (const index of indexes) {
      const began = performance.now();
      await client.query(index.indexdef);
      log(`${index.indexname} in ${Math.round(performance.now() - began)} ms`);
    }
    await client.query(`VACUUM ANALYZE audit_events`);
  } finally {
    await client.end();
  }
}

interface Captured {
  text: string;
  values: unknown[];
}

/** A pg pool that records every statement Prisma sends; `abort` stops before running it. */
function capturingPool(url: string): { pool: Pool; captured: Captured[]; abort: { on: boolean } } {
  const pool = new Pool({ connectionString: url, max: 2 });
  const captured: Captured[] = [];
  const abort = { on: false };
  const query = pool.query.bind(pool) as (config: QueryConfig) => Promise<unknown>;
  (pool as unknown as { query: (config: QueryConfig) => Promise<unknown> }).query = (config) => {
    captured.push({ text: config.text, values: (config.values ?? []) as unknown[] });
    if (abort.on) return Promise.reject(new Error('captured'));
    return query(config);
  };
  return { pool, captured, abort };
}

interface Scenario {
  name: string;
  run: (audit: AuditEventRepository) => Promise<unknown>;
  /** Writes: explained inside a rolled-back transaction, never run for real. */
  mutates?: boolean;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function explain(
  client: Client,
  repos: Repositories,
  capture: ReturnType<typeof capturingPool>,
  scenario: Scenario,
): Promise<string> {
  capture.captured.length = 0;
  const wall: number[] = [];
  if (scenario.mutates) {
    capture.abort.on = true;
    await scenario.run(repos.auditEvents).catch(() => undefined);
    capture.abort.on = false;
  } else {
    for (let run = 0; run < 3; run++) {
      capture.captured.length = 0;
      const began = performance.now();
      await scenario.run(repos.auditEvents);
      wall.push(performance.now() - began);
    }
  }
  if (capture.captured.length === 0) throw new Error(`${scenario.name}: no statement captured`);
  const out = [
    `### ${scenario.name}`,
    '',
    wall.length > 0 ? `repository call: ${median(wall).toFixed(1)} ms (median of 3, warm)` : '',
    '',
  ];
  for (const statement of capture.captured) {
    if (scenario.mutates) await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`,
      statement.values,
    );
    if (scenario.mutates) await client.query('ROLLBACK');
    const plan = rows.map((r) => r['QUERY PLAN']);
    out.push(
      `${plan.find((l) => l.startsWith('Execution Time')) ?? ''}${scenario.mutates ? ' (rolled back)' : ''}`,
      '',
      '```sql',
      statement.text
        .replace(/\s+/g, ' ')
        .replaceAll('"public"."audit_events".', '')
        .replace(/^SELECT "id", .*? FROM/, 'SELECT <every column> FROM')
        .replace(/^SELECT id, v, tenant_id AS .*? FROM/, 'SELECT <every column> FROM')
        .trim(),
      `-- ${JSON.stringify(statement.values)}`,
      '```',
      '',
      '```',
      ...plan,
      '```',
      '',
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const reuse = process.env['DB'];
  let name: string;
  let drop: (() => Promise<void>) | null = null;
  let tenantIds: string[];
  let start: Date;
  if (reuse) {
    name = reuse;
    const client = new Client({ connectionString: urlOf(name) });
    await client.connect();
    const applied = await migrate(pgExecutor(client));
    log(`reusing ${name}; migrations applied now: ${JSON.stringify(applied)}`);
    await client.query('ANALYZE audit_events, audit_tool_hours');
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM tenants WHERE slug LIKE 'explain-%' ORDER BY slug`,
    );
    const { rows: bounds } = await client.query<{ min: Date }>(
      'SELECT min(time) AS min FROM audit_events',
    );
    await client.end();
    tenantIds = rows.map((r) => r.id);
    start = first(bounds).min;
  } else {
    const db = await createTestDatabase({ baseUrl: BASE_URL });
    name = db.name;
    drop = () => db.drop();
    const repos = createRepositories(db.prisma);
    tenantIds = [];
    for (const slug of ['explain-0', 'explain-1', 'explain-2', 'explain-3'])
      tenantIds.push((await repos.tenants.create({ slug, name: slug })).id);
    await db.prisma.$disconnect();
    start = new Date(Math.floor((Date.now() - 30 * DAY_MS) / 1000) * 1000);
    log(`generating ${ROWS} rows in ${name}`);
    const began = performance.now();
    await generate(urlOf(name), tenantIds, start);
    log(`generated in ${Math.round((performance.now() - began) / 1000)} s`);
    // The rollup as the write path would have kept it: one INSERT … SELECT … GROUP BY per
    // tenant (the repository's own backfill). A reused database got it from the migration.
    const fill = new PrismaClient({ adapter: new PrismaPg({ connectionString: urlOf(name) }) });
    const rollup = createRepositories(fill).auditEvents;
    for (const tenantId of tenantIds) {
      const filled = performance.now();
      await rollup.rebuildToolHours(tenantId, { from: start, to: new Date(Date.now() + DAY_MS) });
      log(`audit_tool_hours of ${tenantId} in ${Math.round(performance.now() - filled)} ms`);
    }
    await fill.$executeRaw`VACUUM ANALYZE audit_tool_hours`;
    await fill.$disconnect();
  }
  const capture = capturingPool(urlOf(name));
  const prisma = new PrismaClient({ adapter: new PrismaPg(capture.pool) });
  const repos = createRepositories(prisma);
  const client = new Client({ connectionString: urlOf(name) });
  await client.connect();
  try {
    const tenant = first(tenantIds);
    const end = new Date(start.getTime() + 30 * DAY_MS);
    // A deep keyset page: the cursor of an event 20 days back (page ~ several hundred thousand).
    const deep = encodeCursor({
      t: new Date(end.getTime() - 20 * DAY_MS).toISOString(),
      id: 'ffffffff-ffff-7fff-bfff-ffffffffffff',
    });
    const heavyPerson = first(
      (await client.query<{ id: string }>(`SELECT md5('person-0-0')::uuid AS id`)).rows,
    ).id;
    const lightPerson = first(
      (await client.query<{ id: string }>(`SELECT md5('person-0-290')::uuid AS id`)).rows,
    ).id;
    const session = first(
      (
        await client.query<{ session_id: string }>(
          `SELECT session_id FROM audit_events WHERE tenant_id = $1 AND person_id = $2
              AND time > $3 AND session_id IS NOT NULL ORDER BY time LIMIT 1`,
          [tenant, heavyPerson, new Date(end.getTime() - 15 * DAY_MS)],
        )
      ).rows,
    ).session_id;
    const { rows: counts } = await client.query<{ tenant_id: string; n: string }>(
      'SELECT tenant_id, count(*) AS n FROM audit_events GROUP BY tenant_id ORDER BY n DESC',
    );
    const hour = {
      from: new Date(end.getTime() - 10 * DAY_MS),
      to: new Date(end.getTime() - 10 * DAY_MS + 3_600_000),
    };
    const list =
      (
        filter: Parameters<AuditEventRepository['query']>[1],
        cursor: string | null = null,
        limit = 50,
      ) =>
      (audit: AuditEventRepository) =>
        audit.query(tenant, filter, { limit, cursor });
    const scenarios: Scenario[] = [
      { name: 'list, no filter (admin), first page', run: list({}) },
      { name: 'list, no filter, deep page (20 days back)', run: list({}, deep) },
      {
        name: 'member view (own events, heavy person ~6%), first page',
        run: list({ personId: heavyPerson }),
      },
      { name: 'member view (heavy person), deep page', run: list({ personId: heavyPerson }, deep) },
      {
        name: 'member view (light person ~0.2%), first page',
        run: list({ personId: lightPerson }),
      },
      { name: 'member view (light person), deep page', run: list({ personId: lightPerson }, deep) },
      { name: 'session filter, first page', run: list({ sessionId: session }) },
      { name: 'upstream=github (~35%), first page', run: list({ upstream: 'github' }) },
      { name: 'upstream=linear (~5%), first page', run: list({ upstream: 'linear' }) },
      { name: 'upstream=linear, deep page', run: list({ upstream: 'linear' }, deep) },
      {
        name: 'tool contains "create_issue" (~10%), first page',
        run: list({ tool: 'create_issue' }),
      },
      {
        name: 'tool contains "linear__delete" (~0.1%), first page',
        run: list({ tool: 'linear__delete' }),
      },
      {
        name: 'tool contains "linear__delete", deep page',
        run: list({ tool: 'linear__delete' }, deep),
      },
      { name: 'tool contains "no_such_tool" (0 rows)', run: list({ tool: 'no_such_tool' }) },
      { name: 'decision=deny (~6%), first page', run: list({ decision: 'deny' }) },
      {
        name: 'decision=require_approval (~2.6%), deep page',
        run: list({ decision: 'require_approval' }, deep),
      },
      { name: 'outcome=timed_out (~0.8%), first page', run: list({ outcome: 'timed_out' }) },
      { name: 'outcome=timed_out, deep page', run: list({ outcome: 'timed_out' }, deep) },
      { name: 'time range (one hour 10 days back), first page', run: list(hour) },
      { name: 'time range + outcome=error', run: list({ ...hour, outcome: 'error' }) },
      {
        name: 'member view + tool + time range (30 days)',
        run: list({ personId: lightPerson, tool: 'github', from: start, to: end }),
      },
      { name: 'export batch (1000 rows), deep cursor', run: list({}, deep, 1000) },
      {
        name: 'export batch, member view, deep cursor',
        run: list({ personId: heavyPerson }, deep, 1000),
      },
      {
        name: 'stats, last day',
        run: (audit) => audit.stats(tenant, { from: new Date(end.getTime() - DAY_MS), to: end }),
      },
      {
        name: 'stats, 7 days',
        run: (audit) =>
          audit.stats(tenant, { from: new Date(end.getTime() - 7 * DAY_MS), to: end }),
      },
      { name: 'stats, 30 days', run: (audit) => audit.stats(tenant, { from: start, to: end }) },
      {
        name: 'retention delete batch (5000 rows older than 25 days)',
        run: (audit) => audit.deleteOlderThan(tenant, new Date(end.getTime() - 25 * DAY_MS)),
        mutates: true,
      },
    ];
    const { rows: size } = await client.query<{ heap: string; indexes: string; rollup: string }>(
      `SELECT pg_size_pretty(pg_table_size('audit_events')) AS heap,
              pg_size_pretty(pg_indexes_size('audit_events')) AS indexes,
              (SELECT count(*) FROM audit_tool_hours) || ' rows, ' ||
                pg_size_pretty(pg_total_relation_size('audit_tool_hours')) AS rollup`,
    );
    console.log(`# audit query plans (${name})\n`);
    console.log(
      `rows per tenant: ${counts.map((c) => c.n).join(', ')}; table ${first(size).heap}, indexes ${first(size).indexes}; rollup audit_tool_hours ${first(size).rollup}\n`,
    );
    for (const scenario of scenarios) {
      if (ONLY && !ONLY.test(scenario.name)) continue;
      log(scenario.name);
      console.log(await explain(client, repos, capture, scenario));
    }
  } finally {
    await client.end();
    await prisma.$disconnect();
    await capture.pool.end().catch(() => undefined);
    if (drop && process.env['KEEP'] !== '1') await drop();
    else log(`database kept: ${name}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
