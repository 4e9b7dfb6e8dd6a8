import { BusChannels } from '@gatehouse/bus';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const textOf = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string }).text;

describe('policy on every tool call', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ allowAll: false, env: { APPROVAL_TIMEOUT_SECONDS: '3' } });
    const policies = h.runtimes[0]!.repos.policies;
    await policies.create(h.tenant.id, {
      name: 'admins-all',
      effect: 'allow',
      subjects: ['role:admin'],
      targets: { upstream: '*', tool: '*' },
    });
    await policies.create(h.tenant.id, {
      name: 'no-deleting',
      effect: 'deny',
      subjects: ['*'],
      targets: { upstream: '*', tool: 'delete_*' },
    });
    await policies.create(h.tenant.id, {
      name: 'members-echo-ok-only',
      effect: 'allow',
      subjects: ['role:member'],
      targets: { upstream: 'alpha', tool: 'echo' },
      condition: "args.text.startsWith('ok')",
    });
    await policies.create(h.tenant.id, {
      name: 'members-add-needs-approval',
      effect: 'require_approval',
      subjects: ['role:member'],
      targets: { upstream: 'beta', tool: 'add' },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('hides tools a person could never call and never contacts the upstream for a denied call', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.admin.token);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('alpha__echo');
    expect(names).not.toContain('alpha__delete_everything');
    const before = h.upstreams.alpha.callCounts.get('delete_everything') ?? 0;
    await expect(
      client.callTool({ name: 'alpha__delete_everything', arguments: {} }),
    ).rejects.toThrow(/denied by policy.*no-deleting/);
    expect(h.upstreams.alpha.callCounts.get('delete_everything') ?? 0).toBe(before);
    const denied = h.audit.events.find((e) => e.tool === 'delete_everything');
    expect(denied).toMatchObject({ outcome: 'denied', decision: 'deny', upstream: 'alpha' });
    await client.close();
  });

  it('shows a member only what some rule could allow, and applies CEL conditions to arguments', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, h.member.token);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['alpha__echo', 'beta__add']);
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'ok then' } })),
    ).toBe('ok then');
    const before = h.upstreams.alpha.callCounts.get('echo') ?? 0;
    await expect(
      client.callTool({ name: 'alpha__echo', arguments: { text: 'not ok' } }),
    ).rejects.toThrow(/denied by policy/);
    await expect(
      client.callTool({ name: 'alpha__add', arguments: { a: 1, b: 2 } }),
    ).rejects.toThrow(/denied by policy/);
    expect(h.upstreams.alpha.callCounts.get('echo') ?? 0).toBe(before);
    await client.close();
  });

  it('rules prompts with the same policy: a member with no matching rule neither sees nor gets them', async () => {
    const member = await connectClient(h.gateways[0]!.url, h.member.token);
    expect((await member.client.listPrompts()).prompts).toEqual([]);
    await expect(
      member.client.getPrompt({ name: 'alpha__greet', arguments: { name: 'x' } }),
    ).rejects.toThrow(/Prompt denied by policy/);
    await member.client.close();
    const admin = await connectClient(h.gateways[1]!.url, h.admin.token);
    expect((await admin.client.listPrompts()).prompts.map((p) => p.name).sort()).toEqual([
      'alpha__greet',
      'beta__greet',
    ]);
    const prompt = await admin.client.getPrompt({
      name: 'alpha__greet',
      arguments: { name: 'Ada' },
    });
    expect(prompt.messages[0]?.content).toMatchObject({ text: 'Hello, Ada!' });
    await admin.client.close();
  });

  it('narrows by token scope: upstream:beta sees and calls only beta', async () => {
    const scoped = await h.addCaller(['admin'], ['mcp:call', 'upstream:beta']);
    const { client } = await connectClient(h.gateways[0]!.url, scoped.token);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('beta__'))).toBe(true);
    await expect(
      client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } }),
    ).rejects.toThrow(/Unknown tool/);
    await client.close();
  });

  it('holds a call for approval on replica A until an approver on replica B decides', async () => {
    const { client } = await connectClient(h.gateways[0]!.url, h.member.token);
    const progress: string[] = [];
    const call = client.callTool({ name: 'beta__add', arguments: { a: 20, b: 22 } }, undefined, {
      onprogress: (p) => progress.push(p.message ?? ''),
      timeout: 20_000,
    });
    const approvals = h.runtimes[1]!.repos.approvals;
    let pending;
    for (let i = 0; i < 50 && !pending; i++) {
      pending = (await approvals.listByStatus(h.tenant.id, 'pending')).items.find(
        (a) => a.toolName === 'add',
      );
      if (!pending) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pending).toMatchObject({ upstreamSlug: 'beta', personId: h.member.person.id });
    expect(h.upstreams.beta.callCounts.get('add') ?? 0).toBe(0);
    await approvals.decide(h.tenant.id, pending!.id, {
      status: 'approved',
      decidedBy: h.admin.person.id,
    });
    await h.runtimes[1]!.bus.publish(BusChannels.approvalDecided, {
      tenantId: h.tenant.id,
      approvalId: pending!.id,
    });
    expect(textOf(await call)).toBe('42');
    expect(progress[0]).toMatch(/Waiting for approval/);
    expect((await approvals.get(h.tenant.id, pending!.id))?.status).toBe('consumed');
    await client.close();
  });

  it('times out a held call with a clear error when nobody decides', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, h.member.token);
    await expect(
      client.callTool({ name: 'beta__add', arguments: { a: 1, b: 1 } }, undefined, {
        timeout: 20_000,
      }),
    ).rejects.toThrow(/nobody decided in time/);
    expect(h.audit.events.some((e) => e.tool === 'add' && e.outcome === 'timed_out')).toBe(true);
    await client.close();
  });

  it('applies a policy change on every replica within a second', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, h.admin.token);
    expect(
      textOf(await client.callTool({ name: 'beta__echo', arguments: { text: 'still fine' } })),
    ).toBe('still fine');
    await h.runtimes[0]!.repos.policies.create(h.tenant.id, {
      name: 'freeze-beta',
      effect: 'deny',
      subjects: ['*'],
      targets: { upstream: 'beta', tool: '*' },
    });
    await h.runtimes[0]!.bus.publish(BusChannels.tenantConfigChanged, { tenantId: h.tenant.id });
    await new Promise((r) => setTimeout(r, 1000));
    await expect(
      client.callTool({ name: 'beta__echo', arguments: { text: 'now?' } }),
    ).rejects.toThrow(/freeze-beta/);
    await client.close();
  });
});
