import { ConfigError, loadConfig } from './load-config';
import { redisTopology } from './redis-topology';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/gatehouse' };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env }, 'gateway');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
}

describe('Redis topology settings', () => {
  it('reads a cluster seed list with ACL user, password and a CA file', () => {
    const config = loadConfig(
      {
        ...base,
        REDIS_CLUSTER_NODES: 'redis-0:6379, redis-1:6379,[::1]:7000',
        REDIS_USERNAME: 'gatehouse',
        REDIS_PASSWORD: 'secret',
        REDIS_TLS_CA_FILE: '/etc/ca.pem',
      },
      'gateway',
    );
    expect(redisTopology(config)).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-0', port: 6379 },
        { host: 'redis-1', port: 6379 },
        { host: '::1', port: 7000 },
      ],
      auth: { username: 'gatehouse', password: 'secret', tls: true, caFile: '/etc/ca.pem' },
    });
  });

  it('reads Sentinels with the master name', () => {
    const config = loadConfig(
      {
        ...base,
        REDIS_SENTINELS: 's0:26379,s1:26379',
        REDIS_SENTINEL_MASTER: 'mymaster',
        REDIS_TLS: 'true',
      },
      'gateway',
    );
    expect(redisTopology(config)).toMatchObject({
      kind: 'sentinel',
      master: 'mymaster',
      sentinels: [
        { host: 's0', port: 26379 },
        { host: 's1', port: 26379 },
      ],
      auth: { tls: true },
    });
  });

  it('keeps REDIS_URL as the standalone topology', () => {
    const config = loadConfig({ ...base, REDIS_URL: 'rediss://u:p@r:6380' }, 'gateway');
    expect(redisTopology(config)).toEqual({ kind: 'standalone', url: 'rediss://u:p@r:6380' });
  });

  it('rejects two topologies, Sentinels without a master and bad host:port entries', () => {
    expect(problemsOf({ REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'a:1' })).toMatch(
      /REDIS_URL, REDIS_CLUSTER_NODES: set exactly one Redis topology/,
    );
    expect(problemsOf({ REDIS_SENTINELS: 's0:26379' })).toMatch(/REDIS_SENTINEL_MASTER: required/);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'redis-0' })).toMatch(
      /REDIS_CLUSTER_NODES="redis-0": expected host:port/,
    );
    expect(problemsOf({ REDIS_CLUSTER_NODES: ' , ' })).toMatch(/at least one host:port/);
  });
});
