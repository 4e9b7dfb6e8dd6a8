import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { admitCall, RATE_LIMITED_CODE, type CallAdmission, type CallLimiter } from './call-limits';
import type { ToolCallContext } from './ports';
import { CallFailure } from './rpc-error';

const CONTEXT = { toolName: 'echo' } as unknown as ToolCallContext;
const limiterSaying = (admission: CallAdmission): CallLimiter => ({
  admit: () => Promise.resolve(admission),
  admitRequest: () => Promise.resolve(undefined),
});

describe('admitCall', () => {
  it('returns the release of an admitted call', async () => {
    let released = 0;
    const done = await admitCall(
      limiterSaying({ admitted: true, release: () => (released += 1) }),
      CONTEXT,
    );
    expect(released).toBe(0);
    done();
    expect(released).toBe(1);
  });

  it('turns a limit refusal into JSON-RPC error -32029, audited as denied, naming limit and retry', async () => {
    const refusal = admitCall(
      limiterSaying({
        admitted: false,
        code: 'rate_limited',
        message: 'Tool call refused: rate limit "x" reached for person p; retry in 20 s',
        data: { limit: 'x', kind: 'rate', scope: { person: 'p' }, retryAfterSeconds: 20 },
      }),
      CONTEXT,
    );
    await expect(refusal).rejects.toBeInstanceOf(CallFailure);
    await expect(refusal).rejects.toMatchObject({
      rpcCode: RATE_LIMITED_CODE,
      outcome: 'denied',
      message: expect.stringContaining('retry in 20 s'),
      data: {
        code: 'rate_limited',
        limit: 'x',
        kind: 'rate',
        scope: { person: 'p' },
        retryAfterSeconds: 20,
      },
    });
  });

  it('refuses with a server error when the limits cannot be checked and the tenant fails closed', async () => {
    await expect(
      admitCall(
        limiterSaying({ admitted: false, code: 'limiter_unavailable', message: 'no', data: {} }),
        CONTEXT,
      ),
    ).rejects.toMatchObject({
      rpcCode: JSON_RPC_ERROR_CODES.SERVER_ERROR,
      outcome: 'denied',
      data: { code: 'limiter_unavailable' },
    });
  });
});
