import { randomUUID } from 'node:crypto';
import { createRuntime, type HttpAppHandle, type Runtime } from '@gatehouse/app-kit';
import { generateToken } from '@gatehouse/auth';
import { loadConfig } from '@gatehouse/config';
import {
  createTestDatabase,
  type Person,
  type Tenant,
  type TestDatabase,
} from '@gatehouse/data-access';
import { startGateway } from '@gatehouse/gateway-adapters';
import { createLogger } from '@gatehouse/telemetry';
import {
  startFixtureUpstream,
  type FixtureUpstream,
  type FixtureUpstreamOptions,
} from '@gatehouse/testing';
import { CollectingAuditSink } from './collecting-audit-sink';

export interface TestCaller {
  person: Person;
  token: string;
}

export interface GatewayHarness {
  db: TestDatabase;
  tenant: Tenant;
  admin: TestCaller;
  member: TestCaller;
  upstreams: Record<'alpha' | 'beta', FixtureUpstream>;
  runtimes: Runtime[];
  gateways: HttpAppHandle[];
  audit: CollectingAuditSink;
  /** The environment the replicas run with (to start more, e.g. as separate processes). */
  env: Record<string, string>;
  /** Creates another person with a token of the given scopes. */
  addCaller(
    roles: ('admin' | 'member' | 'approver')[],
    scopes?: string[],
    tenantId?: string,
  ): Promise<TestCaller>;
  /**
   * Creates another tenant with these upstreams (slug → URL, annotations trusted) and the rule
   * "everyone may call everything", and a member of it: for an upstream only one test's sessions
   * should reach.
   */
  addTenant(
    name: string,
    upstreams: Record<string, string>,
  ): Promise<{ tenant: Tenant; member: TestCaller }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  replicas?: number;
  env?: Record<string, string>;
  /** Start with the rule "everyone may call everything" (default true). */
  allowAll?: boolean;
  /** Fixture options per upstream, e.g. `{ beta: { resumable: false } }`. */
  fixtures?: Partial<Record<'alpha' | 'beta', Partial<FixtureUpstreamOptions>>>;
  /** Redis to use (default REDIS_URL or the local one); the fault suite passes a private one. */
  redisUrl?: string;
  /** Postgres server to create the database on (default TEST_DATABASE_BASE_URL or local). */
  databaseBaseUrl?: string;
}

/**
 * A real stack for end-to-end tests: a fresh Postgres database, a fresh Redis key prefix, two
 * fixture upstream MCP servers, and N gateway replicas (separate runtimes: own Redis
 * connections, caches and bus subscriptions) sharing Redis and Postgres like real replicas.
 */
export async function startGatewayHarness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  const db = await createTestDatabase(
    options.databaseBaseUrl ? { baseUrl: options.databaseBaseUrl } : {},
  );
  const prefix = `e2e:${randomUUID()}:`;
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: options.redisUrl ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'silent',
    HOST: '127.0.0.1',
    UPSTREAM_TIMEOUT_MS: '10000',
    ...options.env,
  };
  const config = loadConfig(env, 'gateway');
  const audit = new CollectingAuditSink();
  const upstreams = {
    alpha: await startFixtureUpstream({ ...options.fixtures?.alpha, name: 'alpha' }),
    beta: await startFixtureUpstream({ ...options.fixtures?.beta, name: 'beta' }),
  };
  const runtimes: Runtime[] = [];
  const gateways: HttpAppHandle[] = [];
  const replicas = options.replicas ?? 2;
  // At least one runtime, to seed the database even when the replicas run as processes.
  for (let i = 0; i < Math.max(replicas, 1); i++) {
    const logger = createLogger(`gateway-${i}`, config.LOG_LEVEL);
    const runtime = await createRuntime(config, 'distributed', logger, `gateway-${i}`);
    runtimes.push(runtime);
    if (i >= replicas) continue;
    gateways.push(
      await startGateway(runtime, { host: '127.0.0.1', port: 0, audit, version: 'test' }),
    );
  }
  const repos = runtimes[0]!.repos;
  const seedTenant = async (
    name: string,
    urls: Record<string, string>,
    allowAll: boolean,
  ): Promise<Tenant> => {
    const tenant = await repos.tenants.create({ slug: `t-${randomUUID().slice(0, 8)}`, name });
    for (const [slug, url] of Object.entries(urls))
      await repos.upstreams.create(tenant.id, { slug, name: slug, url, annotationsTrusted: true });
    if (allowAll)
      await repos.policies.create(tenant.id, {
        name: 'everyone-may-call-everything',
        effect: 'allow',
        subjects: ['*'],
        targets: { upstream: '*', tool: '*' },
      });
    return tenant;
  };
  const tenant = await seedTenant(
    'Test tenant',
    Object.fromEntries(Object.entries(upstreams).map(([slug, fixture]) => [slug, fixture.url])),
    options.allowAll !== false,
  );

  const addCaller: GatewayHarness['addCaller'] = async (
    roles,
    scopes = ['mcp:call'],
    tenantId = tenant.id,
  ) => {
    const person = await repos.people.create(tenantId, {
      email: `${randomUUID()}@example.com`,
      name: 'Test person',
      roles,
    });
    const token = generateToken();
    await repos.tokens.create(tenantId, {
      personId: person.id,
      name: 'test',
      prefix: token.displayPrefix,
      hash: token.hash,
      scopes,
    });
    return { person, token: token.secret };
  };

  return {
    db,
    tenant,
    admin: await addCaller(['admin']),
    member: await addCaller(['member']),
    upstreams,
    runtimes,
    gateways,
    audit,
    env,
    addCaller,
    addTenant: async (name, urls) => {
      const other = await seedTenant(name, urls, true);
      return { tenant: other, member: await addCaller(['member'], ['mcp:call'], other.id) };
    },
    close: async () => {
      for (const gateway of gateways) await gateway.close();
      for (const runtime of runtimes) await runtime.close();
      await Promise.all(Object.values(upstreams).map((u) => u.close()));
      await db.drop();
    },
  };
}
