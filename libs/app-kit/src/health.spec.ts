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

  it('reports draining during shutdown', async () => {
    expect((await checkReadiness({}, true)).status).toBe('draining');
  });
});
