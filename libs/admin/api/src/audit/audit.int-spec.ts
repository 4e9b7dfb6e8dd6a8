import type { AuditEventInput } from '@gatehouse/data-access';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { v7 as uuidv7 } from 'uuid';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

/** A full collection on demand, so that samples measure what is retained, not garbage. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

type Item = { id: string; personId: string; tool: string; time: string };
type ListBody = { items: Item[]; nextCursor: string | null };

describe('audit', () => {
  let env: AdminTestEnv;
  let tenant: { id: string; slug: string };
  let admin: TestPerson;
  let member: TestPerson;
  let approver: TestPerson;
  let base: string;
  const t0 = Date.parse('2026-11-02T10:00:00.000Z');

  /** 30 tool calls, one a second from t0: member 0-19, approver 20-29. */
  function call(i: number, fields: Partial<AuditEventInput> = {}): AuditEventInput {
    return {
      id: uuidv7(),
      v: 1,
      tenantId: tenant.id,
      time: new Date(t0 + i * 1000),
      kind: 'mcp',
      personId: i < 20 ? member.id : approver.id,
      sessionId: i % 2 === 0 ? 'sess-even' : 'sess-odd',
      method: 'tools/call',
      upstream: i % 3 === 0 ? 'jira' : 'github',
      tool: i % 3 === 0 ? 'create_issue' : i % 3 === 1 ? 'search_code' : 'delete_repo',
      decision: i % 5 === 0 ? 'deny' : i % 7 === 0 ? 'require_approval' : 'allow',
      matchedRules: ['r1'],
      outcome: i % 5 === 0 ? 'denied' : i === 11 ? 'upstream_error' : 'ok',
      latencyMs: (i + 1) * 10,
      ...fields,
    };
  }

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    member = await createTestPerson(env.runtime, tenant.id, ['member']);
    approver = await createTestPerson(env.runtime, tenant.id, ['approver']);
    base = `/api/v1/tenants/${tenant.slug}/audit`;
    await env.runtime.repos.auditEvents.createMany(Array.from({ length: 30 }, (_, i) => call(i)));
  });
  afterAll(async () => {
    await env.close();
  });

  const list = async (token: string, query: string) => {
    const response = await env.call('GET', `${base}?${query}`, token);
    expect(response.status).toBe(200);
    return response.body as ListBody;
  };

  it('filters by person, session, upstream, tool substring, decision, outcome and time', async () => {
    const count = async (query: string) =>
      (await list(admin.token, `limit=200&${query}`)).items.length;
    expect(await count('')).toBe(30);
    expect(await count(`person=${approver.id}`)).toBe(10);
    expect(await count('session=sess-even')).toBe(15);
    expect(await count('upstream=jira')).toBe(10);
    expect(await count('tool=code')).toBe(10);
    expect(await count('decision=deny')).toBe(6);
    expect(await count('outcome=upstream_error')).toBe(1);
    const from = new Date(t0 + 5000).toISOString();
    const to = new Date(t0 + 10_000).toISOString();
    expect(await count(`from=${from}&to=${to}`)).toBe(5);
    expect(await count(`tool=repo&decision=allow&person=${member.id}`)).toBe(4);
    expect((await env.call('GET', `${base}?decision=maybe`, admin.token)).status).toBe(400);
    expect((await env.call('GET', `${base}?cursor=garbage`, admin.token)).status).toBe(400);
  });

  it('pages with a keyset cursor, newest first, without gaps or repeats', async () => {
    const seen: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ListBody = await list(admin.token, `limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(30);
    expect(new Set(seen.map((e) => e.id)).size).toBe(30);
    const times = seen.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('shows members and approvers only their own events, and refuses to show others', async () => {
    const mine = await list(member.token, 'limit=200');
    expect(mine.items).toHaveLength(20);
    expect(new Set(mine.items.map((e) => e.personId))).toEqual(new Set([member.id]));
    expect((await list(approver.token, 'limit=200')).items).toHaveLength(10);
    const other = await env.call('GET', `${base}?person=${approver.id}`, member.token);
    expect(other.status).toBe(403);
    const exported = await env.call('GET', `${base}/export`, approver.token);
    const lines = String(exported.body).trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => (JSON.parse(l) as Item).personId === approver.id)).toBe(true);
  });

  it('reports calls, denials, approvals, errors and latency percentiles per tool', async () => {
    const from = new Date(t0).toISOString();
    const to = new Date(t0 + 60_000).toISOString();
    const response = await env.call('GET', `${base}/stats?from=${from}&to=${to}`, admin.token);
    expect(response.status).toBe(200);
    const body = response.body as {
      totals: object;
      tools: { tool: string; calls: number; p50LatencyMs: number; p95LatencyMs: number }[];
    };
    expect(body.totals).toEqual({ calls: 30, denials: 6, approvals: 4, errors: 1 });
    const search = body.tools.find((t) => t.tool === 'search_code');
    // search_code: i = 1, 4, ..., 28 → latencies 20, 50, ..., 290.
    expect(search).toMatchObject({ upstream: 'github', calls: 10, errors: 0, denials: 2 });
    expect(search?.p50LatencyMs).toBeCloseTo(155);
    expect(search?.p95LatencyMs).toBeCloseTo(276.5);
    expect((await env.call('GET', `${base}/stats?from=${to}&to=${from}`, admin.token)).status).toBe(
      400,
    );
  });

  it('exports CSV with a header, proper quoting and defused formulas', async () => {
    const tricky = await createTestPerson(env.runtime, tenant.id, ['member']);
    await env.runtime.repos.auditEvents.createMany([
      call(40, {
        personId: tricky.id,
        clientName: '=HYPERLINK("http://evil")',
        userAgent: 'agent, "quoted"\nsecond line',
        arguments: { note: 'a,b' },
      }),
    ]);
    const response = await env.call(
      'GET',
      `${base}/export?format=csv&person=${tricky.id}`,
      admin.token,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(
      /attachment; filename="audit-.*\.csv"/,
    );
    const text = String(response.body);
    const [header] = text.split('\r\n');
    expect(header).toMatch(/^id,time,kind,personId,/);
    expect(text).toContain(`"agent, ""quoted""\nsecond line"`);
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain(`"{""note"":""a,b""}"`);
    expect(text.trimEnd().split('\r\n')).toHaveLength(2);
  });

  it('streams an export of 100,000 rows in bounded memory', async () => {
    const big = await createTestTenant(env.runtime, 'big');
    const bigAdmin = await createTestPerson(env.runtime, big.id, ['admin']);
    const rows = 100_000;
    await env.runtime.prisma.$executeRawUnsafe(
      `INSERT INTO audit_events (id, v, tenant_id, time, kind, person_id, session_id, method,
         upstream, tool, decision, matched_rules, outcome, latency_ms, arguments)
       SELECT gen_random_uuid(), 1, $1::uuid, now() - make_interval(secs => i / 1000.0), 'mcp',
              $2::uuid, 'sess-' || (i % 50), 'tools/call', 'github', 'tool_' || (i % 20), 'allow',
              ARRAY['rule-1'], 'ok', i % 1000,
              jsonb_build_object('i', i, 'padding', repeat('x', 400))
         FROM generate_series(1, ${rows}) AS i`,
      big.id,
      bigAdmin.id,
    );
    const response = await fetch(`${env.api.url}/api/v1/tenants/${big.slug}/audit/export`, {
      headers: { authorization: `Bearer ${bigAdmin.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    const reader = response.body!.getReader();
    const gc = collector();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let bytes = 0;
    let chunks = 0;
    let newlines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      chunks++;
      for (const byte of value) if (byte === 10) newlines++;
      if (chunks % 200 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    expect(newlines).toBe(rows);
    expect(bytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(chunks).toBeGreaterThan(100);
    // Server and client share this process: holding the export anywhere would show here.
    expect(peak).toBeLessThan(bytes / 10);
  }, 180_000);
});
