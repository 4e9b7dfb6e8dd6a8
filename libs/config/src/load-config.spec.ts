import { ConfigError, describeConfig, loadConfig, portFor } from './load-config';

describe('loadConfig', () => {
  it('applies defaults for an empty environment in embedded mode', () => {
    const config = loadConfig({}, 'embedded');
    expect(config.GATEWAY_PORT).toBe(8080);
    expect(config.REDIS_KEY_PREFIX).toBe('gh:');
    expect(config.ALLOWED_ORIGINS).toEqual([]);
  });

  it('lists every problem at once, naming the variable and the bad value', () => {
    let error: unknown;
    try {
      loadConfig({ GATEWAY_PORT: 'eighty', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' }, 'gateway');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/GATEWAY_PORT="eighty"/);
    expect(problems.join('\n')).toMatch(/REDIS_URL="http:\/\/x": must start with redis/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL="loud"/);
  });

  it('parses TRUST_PROXY: off by default, true, a hop count, or proxy addresses and ranges', () => {
    const trust = (value?: string) =>
      loadConfig(value === undefined ? {} : { TRUST_PROXY: value }, 'embedded').TRUST_PROXY;
    expect(trust()).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('TRUE')).toBe(true);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 127.0.0.1,::1, fd00::/8')).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'fd00::/8',
    ]);
    for (const bad of ['proxy.internal', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', 'yes']) {
      expect(() => trust(bad)).toThrow(/TRUST_PROXY/);
    }
  });

  it('requires Redis and Postgres URLs outside embedded mode', () => {
    expect(() => loadConfig({}, 'gateway')).toThrow(
      /REDIS_URL: required[\s\S]*DATABASE_URL: required/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://h/db' }, 'admin-api')).not.toThrow();
  });

  it('treats empty strings as unset and parses lists and booleans', () => {
    const config = loadConfig(
      {
        PORT: '',
        ALLOWED_ORIGINS: 'https://a.example, https://b.example',
        UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      'embedded',
    );
    expect(config.PORT).toBeUndefined();
    expect(config.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.UPSTREAM_ALLOW_PRIVATE_NETWORKS).toBe(true);
  });

  it('rejects an encryption key that is not 32 bytes', () => {
    expect(() => loadConfig({ GATEHOUSE_ENCRYPTION_KEY: 'c2hvcnQ=' })).toThrow(/32 bytes/);
  });

  it('lets PORT override the app-specific port', () => {
    expect(portFor(loadConfig({ PORT: '9000' }), 'admin-api')).toBe(9000);
    expect(portFor(loadConfig({}), 'admin-api')).toBe(8081);
  });

  it('documents every variable', () => {
    const rows = describeConfig();
    expect(rows.find((r) => r.name === 'GATEWAY_PORT')?.default).toBe('8080');
    expect(rows.every((r) => r.description.length > 0)).toBe(true);
  });
});
