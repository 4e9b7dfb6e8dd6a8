import { EXIT } from '@gatehouse/admin-client';
import { startCliTestEnv, type CliTestEnv } from './testing/cli-test-env';

describe('gatehouse limits against a real admin API', () => {
  let env: CliTestEnv;
  beforeAll(async () => {
    env = await startCliTestEnv();
    const login = await env.run(['login', '--url', env.api.url, '--token', env.adminToken]);
    expect(login.code).toBe(EXIT.OK);
  }, 120_000);
  afterAll(async () => {
    await env.close();
  });

  it('get, set and usage; an invalid document is refused with exit 2', async () => {
    const document = {
      rules: [{ name: 'per-person', per: ['person'], rate: { requests: 10, windowSeconds: 60 } }],
      quotas: { person: { daily: 100 } },
    };
    const set = await env.run(['--json', 'limits', 'set', '--document', JSON.stringify(document)]);
    expect(set.code).toBe(EXIT.OK);
    const got = await env.run(['--json', 'limits', 'get']);
    expect(got.code).toBe(EXIT.OK);
    expect(got.json()).toMatchObject({
      limits: { rules: [{ name: 'per-person' }], quotas: { person: { daily: 100 } } },
    });
    expect((await env.run(['limits', 'get'])).out).toContain('per-person');
    const usage = await env.run(['--json', 'limits', 'usage']);
    expect(usage.code).toBe(EXIT.OK);
    const bad = await env.run(['limits', 'set', '--document', '{"rules":[],"burst":5}']);
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.err).toContain('burst');
    expect((await env.run(['limits', 'set', '--document', 'not json'])).code).toBe(EXIT.USAGE);
    const negative = await env.run([
      'limits',
      'set',
      '--document',
      '{"quotas":{"tenant":{"daily":-1}}}',
    ]);
    expect(negative.code).toBe(EXIT.USAGE);
    expect((await env.run(['--json', 'limits', 'get'])).json()).toMatchObject({
      limits: { quotas: { person: { daily: 100 } } },
    });
  }, 120_000);
});
