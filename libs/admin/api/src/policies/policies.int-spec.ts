import { BusChannels } from '@gatehouse/bus';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

interface RuleBody {
  id: string;
  name: string;
  condition: string | null;
  enabled: boolean;
  policyVersion: number;
}

describe('policies', () => {
  let env: AdminTestEnv;
  let admin: TestPerson;
  let member: TestPerson;
  let tenant: { id: string; slug: string };
  let base: string;
  const changes: unknown[] = [];
  let unsubscribe: () => Promise<void>;

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    member = await createTestPerson(env.runtime, tenant.id, ['member']);
    base = `/api/v1/tenants/${tenant.slug}/policies`;
    unsubscribe = await env.runtime.bus.subscribe(BusChannels.tenantConfigChanged, (m) =>
      changes.push(m),
    );
  });
  afterAll(async () => {
    await unsubscribe();
    await env.close();
  });

  const policyVersion = async () =>
    (await env.runtime.repos.tenants.findByIdOrSlug(tenant.id))?.policyVersion;
  const waitForChanges = async (count: number) => {
    for (let i = 0; i < 100 && changes.length < count; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(changes.length).toBeGreaterThanOrEqual(count);
  };

  it('rejects a broken CEL condition with its line and column, and saves nothing', async () => {
    const before = await policyVersion();
    const response = await env.call('POST', base, admin.token, {
      name: 'broken',
      effect: 'deny',
      subjects: ['*'],
      condition: 'args.a == 1 &&\n  nope == 2',
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'VALIDATION_FAILED',
        details: {
          issues: [
            {
              path: 'condition',
              message: expect.stringMatching(/line 2, column 3/),
              position: { line: 2, column: 3 },
            },
          ],
        },
      },
    });
    const patchTarget = await env.call('POST', base, admin.token, {
      name: 'fine',
      effect: 'allow',
      subjects: ['*'],
    });
    const id = (patchTarget.body as RuleBody).id;
    const afterCreate = await policyVersion();
    const patch = await env.call('PATCH', `${base}/${id}`, admin.token, { condition: 'args.x >' });
    expect(patch.status).toBe(400);
    expect(await policyVersion()).toBe(afterCreate);
    expect(await env.runtime.repos.policies.findById(tenant.id, id)).toMatchObject({
      condition: null,
    });
    expect(afterCreate).toBe((before ?? 0) + 1);
    await env.call('DELETE', `${base}/${id}`, admin.token);
  });

  it('creates, reads, updates and deletes a rule; every change is a new version and is published', async () => {
    const start = (await policyVersion()) ?? 0;
    changes.length = 0;
    const created = await env.call('POST', base, admin.token, {
      name: 'no force pushes',
      effect: 'deny',
      subjects: ['role:member'],
      targets: { upstream: 'github', tool: 'push*' },
      condition: 'args.force == true',
    });
    expect(created.status).toBe(201);
    const rule = created.body as RuleBody;
    expect(rule).toMatchObject({ enabled: true, policyVersion: start + 1, version: 1 });

    expect((await env.call('GET', `${base}/${rule.id}`, admin.token)).body).toMatchObject({
      name: 'no force pushes',
      targets: { upstream: 'github', tool: 'push*' },
    });
    const updated = await env.call('PATCH', `${base}/${rule.id}`, admin.token, {
      condition: null,
      priority: 5,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ condition: null, priority: 5, policyVersion: start + 2 });

    const list = await env.call('GET', base, admin.token);
    expect(list.body).toMatchObject({ items: [{ id: rule.id }], policyVersion: start + 2 });

    expect((await env.call('DELETE', `${base}/${rule.id}`, admin.token)).status).toBe(204);
    expect(await policyVersion()).toBe(start + 3);
    expect((await env.call('GET', `${base}/${rule.id}`, admin.token)).status).toBe(404);

    const versions = await env.call('GET', `${base}/versions?limit=3`, admin.token);
    expect((versions.body as { items: { version: number }[] }).items.map((v) => v.version)).toEqual(
      [start + 3, start + 2, start + 1],
    );
    await waitForChanges(3);
    expect(changes.slice(0, 3)).toEqual(Array(3).fill({ tenantId: tenant.id }));
    const audited = await env.runtime.repos.auditEvents.query(tenant.id, { personId: admin.id });
    expect(audited.items.map((e) => e.method)).toEqual(
      expect.arrayContaining([
        'admin.policies.create',
        'admin.policies.update',
        'admin.policies.delete',
      ]),
    );
  });

  it('rolls back to an earlier version as a new version', async () => {
    const first = await env.call('POST', base, admin.token, {
      name: 'read',
      effect: 'allow',
      subjects: ['*'],
      targets: { tool: 'get_*' },
    });
    const kept = (first.body as RuleBody).policyVersion;
    const second = await env.call('POST', base, admin.token, {
      name: 'write',
      effect: 'allow',
      subjects: ['*'],
    });
    await env.call('DELETE', `${base}/${(first.body as RuleBody).id}`, admin.token);
    const now = (await policyVersion()) ?? 0;

    const snapshot = await env.call('GET', `${base}/versions/${kept}`, admin.token);
    expect(snapshot.body).toMatchObject({ version: kept, ruleCount: 1, rules: [{ name: 'read' }] });
    const rolled = await env.call('POST', `${base}/versions/${kept}/rollback`, admin.token);
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ policyVersion: now + 1, items: [{ name: 'read' }] });
    expect((rolled.body as { items: unknown[] }).items).toHaveLength(1);
    expect(
      (await env.call('GET', `${base}/${(second.body as RuleBody).id}`, admin.token)).status,
    ).toBe(404);
    expect((await env.call('POST', `${base}/versions/99999/rollback`, admin.token)).status).toBe(
      404,
    );
    expect((await env.call('GET', `${base}/versions/abc`, admin.token)).status).toBe(404);
    for (const row of await env.runtime.repos.policies.list(tenant.id)) {
      await env.runtime.repos.policies.delete(tenant.id, row.id);
    }
  });

  describe('simulate', () => {
    beforeAll(async () => {
      const rules = [
        {
          name: 'members search',
          effect: 'allow',
          subjects: ['role:member'],
          targets: { upstream: 'github', tool: 'search_*' },
        },
        {
          name: 'no wildcard',
          effect: 'deny',
          subjects: ['*'],
          targets: { tool: 'search_*' },
          condition: 'args.query.text == "*"',
        },
        {
          name: 'ask for writes',
          effect: 'require_approval',
          subjects: ['*'],
          targets: { risk: ['write'] },
        },
      ];
      for (const rule of rules) {
        expect((await env.call('POST', base, admin.token, rule)).status).toBe(201);
      }
    });
    const simulate = (token: string, body: object) =>
      env.call('POST', `${base}/simulate`, token, body);

    it('returns the decision, the matched rules and the reason for a named person', async () => {
      const allowed = await simulate(admin.token, {
        email: member.email,
        upstream: 'github',
        tool: 'search_code',
        arguments: { query: { text: 'gatehouse' } },
      });
      expect(allowed.status).toBe(200);
      expect(allowed.body).toMatchObject({
        effect: 'allow',
        matchedRules: [{ name: 'members search', effect: 'allow' }],
        reason: expect.stringContaining("'members search'"),
        policyVersion: await policyVersion(),
        person: { id: member.id, roles: ['member'] },
      });
      const denied = await simulate(admin.token, {
        personId: member.id,
        upstream: 'github',
        tool: 'search_code',
        arguments: { query: { text: '*' } },
      });
      expect(denied.body).toMatchObject({
        effect: 'deny',
        reason: expect.stringContaining('no wildcard'),
      });
    });

    it("uses the person's roles, the annotations given and the token scopes", async () => {
      const asAdmin = await simulate(admin.token, {
        upstream: 'github',
        tool: 'search_code',
        arguments: { query: { text: 'x' } },
      });
      expect(asAdmin.body).toMatchObject({
        effect: 'deny',
        matchedRules: [],
        reason: expect.stringContaining('no rule matched'),
      });
      // A condition that cannot be evaluated (no args.query) makes a deny rule apply: fail closed.
      const missing = await simulate(member.token, { upstream: 'github', tool: 'search_code' });
      expect(missing.body).toMatchObject({
        effect: 'deny',
        reason: expect.stringContaining('could not be evaluated'),
      });
      const write = await simulate(admin.token, {
        upstream: 'github',
        tool: 'create_issue',
        annotations: { readOnlyHint: false, destructiveHint: false },
      });
      // The upstream is unknown, so its annotations are not trusted: destructive, no approval rule.
      expect(write.body).toMatchObject({
        effect: 'deny',
        tool: { risk: { level: 'destructive' } },
      });
      const scoped = await simulate(admin.token, {
        email: member.email,
        upstream: 'github',
        tool: 'search_code',
        arguments: { query: { text: 'x' } },
        scopes: ['mcp:call', 'upstream:jira'],
      });
      expect(scoped.body).toMatchObject({
        effect: 'deny',
        reason: expect.stringContaining('token scope'),
      });
    });

    it('follows the upstream trust setting and the admin risk override like the gateway', async () => {
      const upstream = await env.runtime.repos.upstreams.create(tenant.id, {
        slug: 'github',
        name: 'GitHub',
        url: 'https://93.184.215.14/mcp',
        annotationsTrusted: true,
      });
      const body = {
        upstream: 'github',
        tool: 'create_issue',
        annotations: { readOnlyHint: false, destructiveHint: false },
      };
      expect((await simulate(admin.token, body)).body).toMatchObject({
        effect: 'require_approval',
        tool: { risk: { level: 'write', source: 'annotations' } },
      });
      await env.runtime.repos.toolPins.upsertFirstSight(tenant.id, {
        upstreamId: upstream.id,
        toolName: 'create_issue',
        definitionHash: 'h',
        definition: { name: 'create_issue' },
      });
      const pin = await env.runtime.repos.toolPins.findByTool(
        tenant.id,
        upstream.id,
        'create_issue',
      );
      await env.runtime.repos.toolPins.setRiskOverride(tenant.id, pin!.id, 'destructive');
      expect((await simulate(admin.token, body)).body).toMatchObject({
        effect: 'deny',
        tool: { risk: { level: 'destructive', source: 'override' } },
      });
    });

    it('lets members simulate for themselves only', async () => {
      const self = await simulate(member.token, {
        upstream: 'github',
        tool: 'search_code',
        arguments: { query: { text: 'x' } },
      });
      expect(self.body).toMatchObject({ effect: 'allow', person: { id: member.id } });
      const named = await simulate(member.token, {
        personId: member.id,
        upstream: 'github',
        tool: 'search_code',
      });
      expect(named.status).toBe(200);
      const other = await simulate(member.token, {
        email: admin.email,
        upstream: 'github',
        tool: 'x',
      });
      expect(other.status).toBe(403);
      expect(
        (await simulate(admin.token, { email: 'nobody@example.test', upstream: 'g', tool: 'x' }))
          .status,
      ).toBe(404);
    });
  });
});
