import { getEventListeners } from 'node:events';
import { BusChannels } from '@gatehouse/bus';
import { BusApprovalGate } from '@gatehouse/gateway-adapters';
import type { GatewayAuditEvent } from '@gatehouse/gateway-core';
import { startFixtureUpstream, type FixtureUpstream } from '@gatehouse/testing';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

async function waitFor<T>(find: () => T | undefined | Promise<T | undefined>, what: string) {
  for (let i = 0; i < 400; i++) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

async function rejection(call: Promise<unknown>): Promise<McpError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof McpError)) throw new Error(`expected an McpError, got ${String(error)}`);
  return error;
}

/** The four defects issue 17 found in the tools/call path, each pinned by a test. */
describe('tools/call: what the audit trail, the client and the approval wait get right', () => {
  let h: GatewayHarness;
  const auditOf = (tool: string, marker: string) =>
    h.audit.events.find(
      (e: GatewayAuditEvent) =>
        e.tool === tool && JSON.stringify(e.arguments ?? null).includes(marker),
    );

  beforeAll(async () => {
    h = await startGatewayHarness({ allowAll: false, env: { APPROVAL_TIMEOUT_SECONDS: '120' } });
    const policies = h.runtimes[0]!.repos.policies;
    await policies.create(h.tenant.id, {
      name: 'echo-ok',
      effect: 'allow',
      subjects: ['*'],
      targets: { upstream: 'alpha', tool: 'echo' },
    });
    await policies.create(h.tenant.id, {
      name: 'no-deleting',
      effect: 'deny',
      subjects: ['*'],
      targets: { upstream: '*', tool: 'delete_*' },
    });
    await policies.create(h.tenant.id, {
      name: 'add-needs-approval',
      effect: 'require_approval',
      subjects: ['*'],
      targets: { upstream: 'beta', tool: 'add' },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  async function pendingApproval(a: number) {
    const approvals = h.runtimes[1]!.repos.approvals;
    return waitFor(
      async () =>
        (await approvals.listByStatus(h.tenant.id, 'pending')).items.find(
          (p) => (p.arguments as { a?: number }).a === a,
        ),
      `approval for a=${a}`,
    );
  }

  async function decide(approvalId: string, status: 'approved' | 'denied') {
    await h.runtimes[1]!.repos.approvals.decide(h.tenant.id, approvalId, {
      status,
      decidedBy: h.admin.person.id,
    });
    await h.runtimes[1]!.bus.publish(BusChannels.approvalDecided, {
      tenantId: h.tenant.id,
      approvalId,
    });
  }

  it('audits an answered call with a summary of its result, never its content', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, h.member.token);
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'summary-args' } });
    expect(auditOf('echo', 'summary-args')).toMatchObject({
      outcome: 'ok',
      resultSummary: { isError: false, contentTypes: ['text'], structured: false },
    });
    expect(JSON.stringify(auditOf('echo', 'summary-args')?.resultSummary)).not.toContain(
      'summary-args',
    );
    await client.close();
  });

  it('audits a call denied by policy with its arguments', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.member.token);
    await expect(
      client.callTool({ name: 'alpha__delete_everything', arguments: { why: 'denied-args' } }),
    ).rejects.toThrow(/denied by policy/);
    expect(auditOf('delete_everything', 'denied-args')).toMatchObject({
      outcome: 'denied',
      arguments: { why: 'denied-args' },
    });
    await client.close();
  });

  it('audits a call an approver denied with its arguments', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.member.token);
    const call = client.callTool({ name: 'beta__add', arguments: { a: 101, b: 1 } }, undefined, {
      timeout: 60_000,
    });
    await decide((await pendingApproval(101)).id, 'denied');
    await expect(call).rejects.toThrow(/denied by an approver/);
    const event = h.audit.events.find(
      (e) => (e.arguments as { a?: number } | undefined)?.a === 101,
    );
    expect(event).toMatchObject({ outcome: 'denied', arguments: { a: 101, b: 1 } });
    expect(event?.approvalId).toBeDefined();
    await client.close();
  }, 60_000);

  it('audits a call whose upstream failed with its arguments', async () => {
    let gamma: FixtureUpstream | undefined = await startFixtureUpstream({ name: 'gamma' });
    try {
      const other = await h.addTenant('gamma-tenant', { gamma: gamma.url });
      const { client } = await connectClient(h.gateways[0]!.url, other.member.token);
      await client.callTool({ name: 'gamma__echo', arguments: { text: 'warm the catalog' } });
      await gamma.close();
      gamma = undefined;
      await expect(
        client.callTool({ name: 'gamma__echo', arguments: { text: 'upstream-gone-args' } }),
      ).rejects.toThrow();
      expect(auditOf('echo', 'upstream-gone-args')).toMatchObject({
        outcome: 'upstream_error',
        arguments: { text: 'upstream-gone-args' },
      });
      await client.close();
    } finally {
      await gamma?.close();
    }
  });

  it('stops waiting for approval when the client cancels: a later approval runs nothing', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.member.token);
    const abort = new AbortController();
    const call = client.callTool({ name: 'beta__add', arguments: { a: 202, b: 2 } }, undefined, {
      signal: abort.signal,
      timeout: 60_000,
    });
    call.catch(() => undefined);
    const pending = await pendingApproval(202);
    abort.abort('changed my mind'); // the SDK sends notifications/cancelled
    const audited = await waitFor(
      () => h.audit.events.find((e) => (e.arguments as { a?: number } | undefined)?.a === 202),
      'the cancelled call is audited',
    );
    expect(audited).toMatchObject({ tool: 'add', approvalId: pending.id, errorCode: -32001 });
    await decide(pending.id, 'approved');
    // A waiter still listening would consume the approval and run the tool: give it the time.
    await new Promise((r) => setTimeout(r, 1500));
    const approval = await h.runtimes[1]!.repos.approvals.get(h.tenant.id, pending.id);
    expect(approval?.status).toBe('approved');
    expect(h.upstreams.beta.callCounts.get('add') ?? 0).toBe(0);
    await client.close();
  }, 60_000);

  it('leaves no abort listener behind on the signal it waited with', async () => {
    const runtime = h.runtimes[0]!;
    const gate = new BusApprovalGate(runtime.repos.approvals, runtime.bus, 500, 5_000, 5);
    const signal = new AbortController().signal;
    const session = { id: 'session-listener-test', clientInfo: { name: 'c', version: '1' } };
    const waited = await gate.waitForApproval(
      {
        identity: {
          tenantId: h.tenant.id,
          tenantSlug: h.tenant.slug,
          personId: h.member.person.id,
          email: h.member.person.email,
          roles: ['member'],
          tokenId: null,
          scopes: ['mcp:call'],
          via: 'token',
        },
        session: session as never,
        upstream: { slug: 'beta' } as never,
        tool: undefined,
        toolName: 'add',
        args: { a: 303 },
      },
      { effect: 'require_approval', matchedRules: [], reason: 'test', policyVersion: 1 },
      { signal, onWaiting: () => undefined },
    );
    expect(waited.outcome).toBe('timed_out');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('answers an unexpected failure while routing as an internal error, not as an upstream failure', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, h.member.token);
    await h.db.prisma.$executeRawUnsafe('ALTER TABLE policies RENAME TO policies_moved');
    try {
      await h.runtimes[0]!.bus.publish(BusChannels.tenantConfigChanged, { tenantId: h.tenant.id });
      // The cached policy is dropped on every replica once the bus delivers the change.
      const error = await waitFor(async () => {
        const e = await rejection(
          client.callTool({ name: 'alpha__echo', arguments: { text: 'routing-bug-args' } }),
        ).catch(() => undefined);
        return e;
      }, 'the policy reload fails');
      expect(error.code).toBe(-32603);
      expect(error.message).not.toMatch(/Upstream "gateway"|policies/);
      expect(error.data).toMatchObject({ code: 'internal_error' });
      const event = h.audit.events.find((e) =>
        JSON.stringify(e.arguments ?? null).includes('routing-bug-args'),
      );
      expect(event).toMatchObject({
        method: 'tools/call',
        outcome: 'error',
        errorCode: -32603,
      });
    } finally {
      await h.db.prisma.$executeRawUnsafe('ALTER TABLE policies_moved RENAME TO policies');
    }
    await client.close();
  }, 60_000);
});
