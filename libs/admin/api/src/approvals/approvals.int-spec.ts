import { BusChannels } from '@gatehouse/bus';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

describe('approvals', () => {
  let env: AdminTestEnv;
  let tenant: { id: string; slug: string };
  let approver: TestPerson;
  let admin: TestPerson;
  let requester: TestPerson;
  let base: string;

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    approver = await createTestPerson(env.runtime, tenant.id, ['approver']);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    requester = await createTestPerson(env.runtime, tenant.id, ['member']);
    base = `/api/v1/tenants/${tenant.slug}/approvals`;
  });
  afterAll(async () => {
    await env.close();
  });

  async function held(personId = requester.id, expiresInMs = 600_000, tenantId = tenant.id) {
    return env.runtime.repos.approvals.create(tenantId, {
      personId,
      sessionId: 's-1',
      upstreamSlug: 'github',
      toolName: 'delete_repo',
      argumentsDigest: 'sha256:abc',
      arguments: { repo: 'acme/site' },
      matchedRules: ['rule-1'],
      policyVersion: 3,
      expiresAt: new Date(Date.now() + expiresInMs),
    });
  }

  it('lists pending approvals with the exact arguments, and expires overdue ones', async () => {
    const pending = await held();
    const overdue = await held(requester.id, -1000);
    const response = await env.call('GET', `${base}?status=pending`, approver.token);
    expect(response.status).toBe(200);
    const items = (response.body as { items: { id: string }[] }).items;
    expect(items.map((i) => i.id)).toContain(pending.id);
    expect(items.map((i) => i.id)).not.toContain(overdue.id);
    expect(items.find((i) => i.id === pending.id)).toMatchObject({
      upstream: 'github',
      tool: 'delete_repo',
      arguments: { repo: 'acme/site' },
      status: 'pending',
    });
    const expired = await env.call('GET', `${base}?status=expired`, approver.token);
    expect((expired.body as { items: { id: string }[] }).items.map((i) => i.id)).toContain(
      overdue.id,
    );
    expect((await env.call('GET', `${base}?status=bogus`, approver.token)).status).toBe(400);
    expect((await env.call('GET', `${base}/${pending.id}`, admin.token)).body).toMatchObject({
      id: pending.id,
    });
  });

  it('approves once, publishes approvalDecided and audits; a second decision is 409', async () => {
    const approval = await held();
    const decided: unknown[] = [];
    const unsubscribe = await env.runtime.bus.subscribe(BusChannels.approvalDecided, (m) =>
      decided.push(m),
    );
    try {
      const response = await env.call('POST', `${base}/${approval.id}/approve`, approver.token, {
        comment: 'ok for the release',
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'approved',
        decidedBy: approver.id,
        comment: 'ok for the release',
      });
      for (let i = 0; i < 100 && decided.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(decided).toEqual([{ tenantId: tenant.id, approvalId: approval.id }]);
      for (const verb of ['approve', 'deny']) {
        const again = await env.call('POST', `${base}/${approval.id}/${verb}`, admin.token, {});
        expect(again.status).toBe(409);
        expect(again.body).toMatchObject({ error: { code: 'ALREADY_DECIDED' } });
      }
      expect(decided).toHaveLength(1);
      const audit = await env.runtime.repos.auditEvents.query(tenant.id, { personId: approver.id });
      expect(audit.items[0]).toMatchObject({
        kind: 'admin',
        method: 'admin.approvals.approve',
      });
    } finally {
      await unsubscribe();
    }
  });

  it('denies with a comment', async () => {
    const approval = await held();
    const response = await env.call('POST', `${base}/${approval.id}/deny`, admin.token, {
      comment: 'not on Fridays',
    });
    expect(response.body).toMatchObject({ status: 'denied', comment: 'not on Fridays' });
    expect((await env.runtime.repos.approvals.get(tenant.id, approval.id))?.status).toBe('denied');
  });

  it('never lets the requester decide their own approval, even as an admin', async () => {
    const approval = await held(admin.id);
    const response = await env.call('POST', `${base}/${approval.id}/approve`, admin.token, {});
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: { code: 'SELF_APPROVAL' } });
    expect((await env.runtime.repos.approvals.get(tenant.id, approval.id))?.status).toBe('pending');
  });

  it('refuses to decide an expired approval with 409 EXPIRED', async () => {
    const approval = await held(requester.id, -1);
    const response = await env.call('POST', `${base}/${approval.id}/approve`, approver.token, {});
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ error: { code: 'EXPIRED' } });
    expect((await env.runtime.repos.approvals.get(tenant.id, approval.id))?.status).not.toBe(
      'approved',
    );
  });

  it("answers 404 for another tenant's approval, through this tenant's path", async () => {
    const other = await createTestTenant(env.runtime, 'other');
    const stranger = await createTestPerson(env.runtime, other.id, ['member']);
    const foreign = await held(stranger.id, 600_000, other.id);
    for (const path of [`${base}/${foreign.id}`, `${base}/${foreign.id}/approve`]) {
      const method = path.endsWith('approve') ? 'POST' : 'GET';
      const response = await env.call(
        method,
        path,
        approver.token,
        method === 'POST' ? {} : undefined,
      );
      expect(response.status).toBe(404);
    }
    expect((await env.runtime.repos.approvals.get(other.id, foreign.id))?.status).toBe('pending');
  });

  it('lets exactly one of two racing approvers win', async () => {
    const approval = await held();
    const second = await createTestPerson(env.runtime, tenant.id, ['approver']);
    const results = await Promise.all([
      env.call('POST', `${base}/${approval.id}/approve`, approver.token, {}),
      env.call('POST', `${base}/${approval.id}/deny`, second.token, {}),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });
});
