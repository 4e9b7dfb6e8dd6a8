import { BusChannels } from '@gatehouse/bus';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

describe('tools', () => {
  let env: AdminTestEnv;
  let tenant: { id: string; slug: string };
  let admin: TestPerson;
  let base: string;
  let trusted: { id: string };
  let untrusted: { id: string };

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    base = `/api/v1/tenants/${tenant.slug}/tools`;
    const url = 'https://93.184.215.14/mcp';
    trusted = await env.runtime.repos.upstreams.create(tenant.id, {
      slug: 'docs',
      name: 'Docs',
      url,
      annotationsTrusted: true,
    });
    untrusted = await env.runtime.repos.upstreams.create(tenant.id, {
      slug: 'shell',
      name: 'Shell',
      url,
    });
    const pin = (upstreamId: string, toolName: string, annotations: object) =>
      env.runtime.repos.toolPins.upsertFirstSight(tenant.id, {
        upstreamId,
        toolName,
        definitionHash: `${toolName}-v1`,
        definition: { name: toolName, annotations },
      });
    await pin(trusted.id, 'read_page', { readOnlyHint: true });
    await pin(trusted.id, 'edit_page', { readOnlyHint: false, destructiveHint: false });
    await pin(untrusted.id, 'run', { readOnlyHint: true });
    await env.runtime.repos.toolPins.markChanged(tenant.id, {
      upstreamId: trusted.id,
      toolName: 'edit_page',
      definitionHash: 'edit_page-v2',
      definition: { name: 'edit_page', description: 'now also deletes' },
    });
  });
  afterAll(async () => {
    await env.close();
  });

  type ToolItem = { upstream: string; name: string; risk: { level: string }; pin: string };
  const list = async () =>
    ((await env.call('GET', base, admin.token)).body as { items: ToolItem[] }).items;

  it('lists every pinned tool with its upstream, derived risk and pin state', async () => {
    expect(await list()).toEqual([
      expect.objectContaining({
        upstream: 'docs',
        name: 'edit_page',
        risk: expect.objectContaining({ level: 'write' }),
        pin: 'changed',
        changedAt: expect.any(String),
      }),
      expect.objectContaining({
        upstream: 'docs',
        name: 'read_page',
        risk: expect.objectContaining({ level: 'read_only' }),
        pin: 'pinned',
        changedAt: null,
      }),
      // Annotations of an untrusted upstream are ignored: destructive until an admin says otherwise.
      expect.objectContaining({
        upstream: 'shell',
        name: 'run',
        risk: expect.objectContaining({ level: 'destructive' }),
        firstSeenAt: expect.any(String),
      }),
    ]);
  });

  it('accepts a changed definition once, and tells the gateways', async () => {
    const changes: unknown[] = [];
    const unsubscribe = await env.runtime.bus.subscribe(BusChannels.tenantConfigChanged, (m) =>
      changes.push(m),
    );
    try {
      const accepted = await env.call(
        'POST',
        `${base}/${trusted.id}/edit_page/accept`,
        admin.token,
      );
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({ pin: 'pinned', acceptedBy: admin.id });
      const pin = await env.runtime.repos.toolPins.findByTool(tenant.id, trusted.id, 'edit_page');
      expect(pin).toMatchObject({ definitionHash: 'edit_page-v2', pendingHash: null });
      const again = await env.call('POST', `${base}/${trusted.id}/edit_page/accept`, admin.token);
      expect(again.status).toBe(409);
      for (let i = 0; i < 100 && changes.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(changes).toEqual([{ tenantId: tenant.id }]);
    } finally {
      await unsubscribe();
    }
  });

  it('overrides a risk level and removes the override again', async () => {
    const path = `${base}/${untrusted.id}/run/risk`;
    const set = await env.call('PUT', path, admin.token, { risk: 'read_only' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      riskOverride: 'read_only',
      risk: { level: 'read_only', source: 'override' },
    });
    expect((await list()).find((t) => t.name === 'run')?.risk.level).toBe('read_only');
    const cleared = await env.call('PUT', path, admin.token, { risk: null });
    expect(cleared.body).toMatchObject({ riskOverride: null, risk: { level: 'destructive' } });
    expect((await env.call('PUT', path, admin.token, { risk: 'harmless' })).status).toBe(400);
    const audit = await env.runtime.repos.auditEvents.query(tenant.id, { personId: admin.id });
    expect(audit.items.filter((e) => e.method === 'admin.tools.risk')).toHaveLength(2);
  });

  it('answers 404 for an unknown tool or upstream', async () => {
    expect(
      (await env.call('PUT', `${base}/${trusted.id}/nope/risk`, admin.token, { risk: null }))
        .status,
    ).toBe(404);
    expect((await env.call('POST', `${base}/not-a-uuid/run/accept`, admin.token)).status).toBe(404);
  });
});
