import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { CallRecorder } from './call-recorder';
import { startCoreKit, type CoreKit } from './core-kit.test-support';
import { InflightRegistry } from './inflight';
import type { InflightCallRecord } from './inflight-record';
import { ResponseStream } from './response-stream';
import { CALL_LOST_CODE, TakenCallFinisher, type TakenCall } from './taken-call-finisher';

describe('TakenCallFinisher: a call claimed from a dead replica', () => {
  let kit: CoreKit;
  let finisher: TakenCallFinisher;
  beforeAll(async () => {
    kit = await startCoreKit();
    finisher = new TakenCallFinisher(
      kit.sessions,
      { listForPerson: async () => [kit.upstream] },
      kit.client,
      kit.relay,
      new InflightRegistry(),
      new CallRecorder(kit.audit, kit.logger),
      kit.logger,
      10_000,
    );
  });
  afterAll(async () => {
    await kit.close();
  });
  beforeEach(() => {
    kit.audit.events.length = 0;
  });

  function taken(record: Partial<InflightCallRecord>) {
    const logged: JSONRPCMessage[] = [];
    const happened: string[] = [];
    const call: TakenCall = {
      record: {
        v: 1,
        sessionId: 's1',
        streamId: 'p1',
        clientRequestId: 7,
        method: 'tools/call',
        tool: 'echo',
        slug: 'alpha',
        decision: { effect: 'allow', matchedRules: ['r1'] },
        ...record,
      },
      abort: new AbortController(),
      stream: () =>
        ResponseStream.loggingOnly(async (message) => {
          logged.push(message);
          return String(logged.length);
        }),
      remove: async () => {
        happened.push('removed');
      },
      handBack: async () => {
        happened.push('handed back');
        return true;
      },
      abandoned: () => false,
    };
    return { call, logged, happened };
  }

  it('answers a call that was waiting for approval with approval_wait_lost, audited as the original would be', async () => {
    const { call, logged } = taken({ kind: 'approval' });
    await finisher.finish(call);
    expect(logged).toEqual([
      expect.objectContaining({
        id: 7,
        error: expect.objectContaining({
          code: CALL_LOST_CODE,
          data: { code: 'approval_wait_lost', upstream: 'alpha' },
        }),
      }),
    ]);
    expect(kit.audit.events).toEqual([
      expect.objectContaining({
        method: 'tools/call',
        upstream: 'alpha',
        tool: 'echo',
        decision: 'allow',
        matchedRules: ['r1'],
        outcome: 'upstream_error',
        errorCode: CALL_LOST_CODE,
        sessionId: 's1',
      }),
    ]);
  });

  it('answers upstream_call_lost when the upstream gave no event id to resume from', async () => {
    await kit.sessions.setUpstream('s1', 'alpha', {
      sessionId: 'upstream-session',
      protocolVersion: '2025-11-25',
      capabilities: {},
      serverInfo: { name: 'alpha', version: '1' },
    });
    const { call, logged } = taken({ upstreamRequestId: 'gh-r-1' });
    await finisher.finish(call);
    expect(logged[0]).toMatchObject({
      error: { data: { code: 'upstream_call_lost' }, message: expect.stringMatching(/resumable/) },
    });
  });

  it('drops the entry of a call whose session is gone, answering nothing', async () => {
    const { call, logged, happened } = taken({ sessionId: 'gone' });
    await finisher.finish(call);
    expect(happened).toEqual(['removed']);
    expect(logged).toEqual([]);
    expect(kit.audit.events).toEqual([]);
  });
});
