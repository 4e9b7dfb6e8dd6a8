import { checkReadiness } from './health';

describe('checkReadiness', () => {
  it('is ready when every check passes', async () => {
    expect(await checkReadiness({ redis: async () => undefined }, false)).toEqual({
      status: 'ready',
      checks: { redis: 'ok' },
    });
  });

  it('names the failing and the slow check', async () => {
    const report = await checkReadiness(
      {
        postgres: async () => {
          throw new Error('connection refused');
        },
        redis: () => new Promise(() => undefined),
      },
      false,
      50,
    );
    expect(report).toEqual({
      status: 'not_ready',
      checks: { postgres: 'connection refused', redis: 'no answer within 50 ms' },
    });
  });

  it('is degraded, not unready, when only degradable checks fail', async () => {
    const down = async () => {
      throw new Error('connection refused');
    };
    const ok = async () => undefined;
    expect(await checkReadiness({ postgres: down, redis: ok }, false, 50, ['postgres'])).toEqual({
      status: 'degraded',
      checks: { postgres: 'connection refused', redis: 'ok' },
    });
    expect(
      (await checkReadiness({ postgres: down, redis: down }, false, 50, ['postgres'])).status,
    ).toBe('not_ready');
  });

  it('reports draining during shutdown', async () => {
    expect((await checkReadiness({}, true)).status).toBe('draining');
  });
});
