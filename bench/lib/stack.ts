import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { generateToken } from '@gatehouse/auth';
import { createRepositories, createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
import { checkToolCall, openSession, type McpTarget } from './mcp-http';
import { GATEHOUSE_NODE, httpOk, startNode, type BenchProcess } from './processes';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/**
 * Build output the benchmark runs (default `dist`). Others may rebuild `dist/` during a run on a
 * shared checkout; a private build (see docs/benchmarks.md) avoids that.
 */
export const DIST = process.env['BENCH_DIST'] ?? 'dist';
export const GATEWAY_SCRIPT = `${DIST}/apps/gateway/src/main.js`;
const FIXTURE_SCRIPT = `${DIST}/libs/testing/src/fixtures/fixture-upstream.main.js`;
const AUDIT_SCRIPT = `${DIST}/apps/audit-service/src/main.js`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Postgres database, Redis prefix, fixture upstream, audit-service and a seeded tenant. */
export interface BenchStack {
  db: TestDatabase;
  redisPrefix: string;
  fixture: BenchProcess;
  fixtureUrl: string;
  auditService: BenchProcess;
  upstreamSlug: string;
  token: string;
  gatewayEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startStack(): Promise<BenchStack> {
  const db = await createTestDatabase();
  const redisPrefix = `bench:${randomBytes(6).toString('hex')}:`;
  const fixturePort = await freePort();
  const fixtureUrl = `http://127.0.0.1:${fixturePort}/mcp`;
  const fixture = await startNode(
    'fixture',
    FIXTURE_SCRIPT,
    { FIXTURE_NAME: 'echo', FIXTURE_PORT: String(fixturePort) },
    async () => {
      const response = await fetch(fixtureUrl, { method: 'GET' });
      await response.arrayBuffer();
      return response.status > 0;
    },
  );

  const repos = createRepositories(db.prisma);
  const tenant = await repos.tenants.create({ slug: 'bench', name: 'Benchmark tenant' });
  const person = await repos.people.create(tenant.id, {
    email: 'bench@example.com',
    name: 'Benchmark admin',
    roles: ['admin'],
  });
  const token = generateToken();
  await repos.tokens.create(tenant.id, {
    personId: person.id,
    name: 'bench',
    prefix: token.displayPrefix,
    hash: token.hash,
    scopes: ['mcp:call'],
  });
  const upstreamSlug = 'echo';
  await repos.upstreams.create(tenant.id, {
    slug: upstreamSlug,
    name: 'Echo fixture',
    url: fixtureUrl,
    annotationsTrusted: true,
  });
  await repos.policies.create(tenant.id, {
    name: 'bench-allow-all',
    effect: 'allow',
    subjects: ['*'],
    targets: { upstream: '*', tool: '*' },
  });

  const gatewayEnv = {
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
    NODE_ENV: 'production',
    GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  const auditPort = await freePort();
  const auditService = await startNode(
    'audit-service',
    AUDIT_SCRIPT,
    { ...gatewayEnv, PORT: String(auditPort) },
    () => httpOk(`http://127.0.0.1:${auditPort}/healthz`),
    [],
    GATEHOUSE_NODE,
  );
  return {
    db,
    redisPrefix,
    fixture,
    fixtureUrl,
    auditService,
    upstreamSlug,
    token: token.secret,
    gatewayEnv,
    close: async () => {
      await auditService.stop();
      await fixture.stop();
      await db.drop();
    },
  };
}

export interface GatewayReplica {
  process: BenchProcess;
  url: string;
}

export async function startGatewayReplica(
  stack: BenchStack,
  name: string,
  nodeArgs: string[] = [],
  dist = DIST,
  nodeBinary = GATEHOUSE_NODE,
): Promise<GatewayReplica> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const process = await startNode(
    name,
    dist === DIST ? GATEWAY_SCRIPT : `${dist}/apps/gateway/src/main.js`,
    { ...stack.gatewayEnv, PORT: String(port) },
    () => httpOk(`${base}/readyz`),
    nodeArgs,
    nodeBinary,
  );
  return { process, url: `${base}/mcp` };
}

/** The echo tool through a gateway replica of the stack, and `count` sessions opened on it. */
export async function echoSessions(
  stack: BenchStack,
  gateway: GatewayReplica,
  count: number,
): Promise<{ target: McpTarget; sessionIds: string[] }> {
  const target: McpTarget = {
    url: gateway.url,
    token: stack.token,
    tool: `${stack.upstreamSlug}__echo`,
  };
  const sessionIds: string[] = [];
  for (let i = 0; i < count; i++) sessionIds.push(await openSession(target));
  await checkToolCall(target, sessionIds[0] ?? '');
  return { target, sessionIds };
}
