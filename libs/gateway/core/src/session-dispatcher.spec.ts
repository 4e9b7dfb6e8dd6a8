import { startCoreKit, type CoreKit } from './core-kit.test-support';

const errorOf = (response: object) =>
  (response as { error?: { code: number; message: string; data?: unknown } }).error;
const resultOf = (response: object) => (response as { result?: Record<string, unknown> }).result;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`never happened: ${what}`);
}

describe('SessionDispatcher and the call path (tools/call, prompts/get), no Nest', () => {
  let kit: CoreKit;
  beforeAll(async () => {
    kit = await startCoreKit();
  });
  afterAll(async () => {
    await kit.close();
  });
  beforeEach(() => {
    kit.toolAccess.effects.clear();
    kit.toolAccess.failure = undefined;
    kit.audit.events.length = 0;
  });

  it('relays an allowed call and audits its target, decision, arguments and a result summary', async () => {
    const response = await kit.dispatcher.request(
      kit.context(),
      kit.request('tools/call', { name: 'alpha__echo', arguments: { text: 'hello' } }),
    );
    expect(resultOf(response)).toMatchObject({ content: [{ type: 'text', text: 'hello' }] });
    expect(kit.audit.events).toEqual([
      expect.objectContaining({
        method: 'tools/call',
        upstream: 'alpha',
        tool: 'echo',
        decision: 'allow',
        matchedRules: ['rule-allow'],
        arguments: { text: 'hello' },
        outcome: 'ok',
        resultSummary: { isError: false, contentTypes: ['text'], structured: false },
        sessionId: 's1',
        tokenId: 'tok1',
        clientName: 'spec-client',
      }),
    ]);
    expect(kit.inflight.size).toBe(0);
  });

  it('refuses a denied call before the upstream and audits it with its arguments', async () => {
    kit.toolAccess.effects.set('add', 'deny');
    const before = kit.alpha.callCounts.get('add') ?? 0;
    const response = await kit.dispatcher.request(
      kit.context(),
      kit.request('tools/call', { name: 'alpha__add', arguments: { a: 1, b: 2 } }),
    );
    expect(errorOf(response)).toMatchObject({
      code: -32003,
      message: 'Tool call denied by policy: table says deny',
      data: { code: 'policy_denied', matchedRules: ['rule-deny'] },
    });
    expect(kit.alpha.callCounts.get('add') ?? 0).toBe(before);
    expect(kit.audit.events[0]).toMatchObject({
      outcome: 'denied',
      decision: 'deny',
      tool: 'add',
      arguments: { a: 1, b: 2 },
      errorCode: -32003,
    });
  });

  it('answers an unknown tool -32602 unknown_tool, audited with its arguments and no target', async () => {
    const nowhere = await kit.dispatcher.request(
      kit.context(),
      kit.request('tools/call', { name: 'gamma__echo', arguments: {} }),
    );
    expect(errorOf(nowhere)).toMatchObject({ code: -32602, data: { code: 'unknown_tool' } });
    expect(kit.audit.events[0]).toMatchObject({ outcome: 'error', arguments: {} });
    expect(kit.audit.events[0]?.upstream).toBeUndefined();
  });

  it('refuses arguments that are not an object with -32602', async () => {
    const response = await kit.dispatcher.request(
      kit.context(),
      kit.request('tools/call', { name: 'alpha__echo', arguments: ['x'] }),
    );
    expect(errorOf(response)).toMatchObject({
      code: -32602,
      message: 'Invalid params: "arguments" must be an object',
    });
    expect(kit.audit.events[0]).toMatchObject({ arguments: ['x'], outcome: 'error' });
  });

  it('answers a fault inside a stage -32603 internal_error, logs it, and leaks nothing of it', async () => {
    kit.toolAccess.failure = new Error('relation "policies" does not exist');
    const response = await kit.dispatcher.request(
      kit.context(),
      kit.request('tools/call', { name: 'alpha__echo', arguments: { text: 'x' } }),
    );
    expect(errorOf(response)).toMatchObject({ code: -32603, data: { code: 'internal_error' } });
    expect(JSON.stringify(response)).not.toMatch(/policies|Upstream "gateway"/);
    expect(kit.lines.join('')).toContain('relation \\"policies\\" does not exist');
    expect(kit.audit.events[0]).toMatchObject({ outcome: 'error', errorCode: -32603 });
  });

  it('runs a held call once approved, and audits the approval id', async () => {
    kit.toolAccess.effects.set('add', 'require_approval');
    const answer = kit.dispatcher.request(
      kit.context(),
      kit.request('tools/call', { name: 'alpha__add', arguments: { a: 2, b: 3 } }),
    );
    await until(() => kit.approvals.waiting !== undefined, 'the call waits for approval');
    expect(kit.inflight.size).toBe(1);
    kit.approvals.waiting?.('approved');
    expect(resultOf(await answer)).toMatchObject({ content: [{ text: '5' }] });
    expect(kit.audit.events[0]).toMatchObject({
      outcome: 'ok',
      decision: 'require_approval',
      approvalId: 'approval-1',
    });
  });

  it('refuses a held call an approver denied', async () => {
    kit.toolAccess.effects.set('add', 'require_approval');
    const answer = kit.dispatcher.request(
      kit.context(),
      kit.request('tools/call', { name: 'alpha__add', arguments: { a: 2, b: 3 } }),
    );
    await until(() => kit.approvals.waiting !== undefined, 'the call waits for approval');
    kit.approvals.waiting?.('denied');
    expect(errorOf(await answer)).toMatchObject({
      code: -32003,
      data: { code: 'approval_denied', approvalId: 'approval-1' },
    });
    expect(kit.audit.events[0]).toMatchObject({ outcome: 'denied', arguments: { a: 2, b: 3 } });
  });

  it('stops a call waiting for approval when the client cancels it: nothing runs', async () => {
    kit.toolAccess.effects.set('add', 'require_approval');
    const before = kit.alpha.callCounts.get('add') ?? 0;
    const request = kit.request('tools/call', { name: 'alpha__add', arguments: { a: 9, b: 9 } });
    const stream = kit.context().stream;
    const answer = kit.dispatcher.request(kit.context(stream), request);
    await until(() => kit.approvals.waiting !== undefined, 'the call waits for approval');
    expect(await kit.inflight.cancel('s1', request.id, 'changed my mind')).toBe(true);
    expect(errorOf(await answer)).toMatchObject({ code: -32001 });
    expect(kit.approvals.aborted.at(-1)).toBe(true);
    // The POST is answered (an SSE stream that ends at once), not left hanging.
    expect((await stream.ready).kind).toBe('sse');
    expect(kit.alpha.callCounts.get('add') ?? 0).toBe(before);
    expect(kit.inflight.size).toBe(0);
  });

  it('cancels a call being relayed: the upstream stops, the client gets no answer', async () => {
    const cancellations = kit.alpha.cancellations();
    const request = kit.request('tools/call', {
      name: 'alpha__slow',
      arguments: { steps: 100, delayMs: 100 },
    });
    const stream = kit.context().stream;
    const answer = kit.dispatcher.request(kit.context(stream), request);
    await until(() => (kit.alpha.callCounts.get('slow') ?? 0) > 0, 'the upstream runs the tool');
    await kit.inflight.cancel('s1', request.id, 'too slow');
    expect(errorOf(await answer)).toMatchObject({ code: -32001 });
    expect(stream.open).toBe(false);
    await until(
      () => kit.alpha.cancellations() > cancellations,
      'the upstream saw the cancellation',
    );
    expect(kit.audit.events.at(-1)).toMatchObject({ outcome: 'upstream_error', tool: 'slow' });
  });

  it('rules prompts/get with the same policy stage', async () => {
    kit.toolAccess.effects.set('greet', 'deny');
    const denied = await kit.dispatcher.request(
      kit.context(),
      kit.request('prompts/get', { name: 'alpha__greet', arguments: { name: 'Ada' } }),
    );
    expect(errorOf(denied)).toMatchObject({
      code: -32003,
      message: 'Prompt denied by policy: table says deny',
    });
    kit.toolAccess.effects.clear();
    const allowed = await kit.dispatcher.request(
      kit.context(),
      kit.request('prompts/get', { name: 'alpha__greet', arguments: { name: 'Ada' } }),
    );
    expect(resultOf(allowed)).toMatchObject({ messages: [{ content: { text: 'Hello, Ada!' } }] });
    expect(kit.audit.events.map((e) => [e.outcome, e.decision, e.tool])).toEqual([
      ['denied', 'deny', 'greet'],
      ['ok', 'allow', 'greet'],
    ]);
  });

  it('lists the tools of every upstream under gateway names, through the call path', async () => {
    const listed = await kit.dispatcher.request(kit.context(), kit.request('tools/list'));
    const names = (resultOf(listed)?.['tools'] as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['alpha__echo', 'alpha__add', 'alpha__slow']));
    expect(kit.audit.events[0]).toMatchObject({ method: 'tools/list', outcome: 'ok' });
  });

  it('publishes notifications/cancelled on the bus, where every replica holding the call hears it', async () => {
    const heard: unknown[] = [];
    const stop = await kit.bus.subscribe('mcp:request-cancelled', (m) => {
      heard.push(m);
    });
    await kit.dispatcher.notification(kit.context(), {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 42, reason: 'no longer needed' },
    });
    await until(() => heard.length > 0, 'the bus delivers the cancellation');
    expect(heard).toEqual([{ sessionId: 's1', requestId: 42, reason: 'no longer needed' }]);
    await stop();
  });

  it('answers ping without an audit event, and refuses a second initialize', async () => {
    expect(resultOf(await kit.dispatcher.request(kit.context(), kit.request('ping')))).toEqual({});
    const again = await kit.dispatcher.request(kit.context(), kit.request('initialize'));
    expect(errorOf(again)).toMatchObject({ code: -32600 });
    expect(kit.audit.events.map((e) => e.method)).toEqual(['initialize']);
  });
});
