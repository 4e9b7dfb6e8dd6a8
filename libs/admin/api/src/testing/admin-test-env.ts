import { createRuntime, type HttpAppHandle, type Runtime } from '@gatehouse/app-kit';
import { generateToken, type Role } from '@gatehouse/auth';
import { loadConfig } from '@gatehouse/config';
import { createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
import { createLogger } from '@gatehouse/telemetry';
import { randomBytes } from 'node:crypto';
import { startAdminApi, type AdminApiOptions } from '../start-admin-api';

/** One admin API on a fresh Postgres database and a private Redis key prefix. */
export interface AdminTestEnv {
  db: TestDatabase;
  runtime: Runtime;
  api: HttpAppHandle;
  /** Fetches `${api.url}${path}` with an optional bearer token and JSON body. */
  call(method: string, path: string, token?: string, body?: unknown): Promise<ApiResponse>;
  /** Another runtime on the same database and Redis (a second replica). */
  replica(): Promise<Runtime>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function startAdminTestEnv(
  env: Record<string, string> = {},
  options: Partial<AdminApiOptions> = {},
): Promise<AdminTestEnv> {
  const db = await createTestDatabase();
  const config = loadConfig(
    {
      DATABASE_URL: db.url,
      REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test:admin:${randomBytes(6).toString('hex')}:`,
      GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
      ...env,
    },
    'admin-api',
  );
  const logger = createLogger('admin-api-test', 'silent');
  const runtimes: Runtime[] = [];
  const newRuntime = async () => {
    const runtime = await createRuntime(config, 'distributed', logger, 'admin-api-test');
    runtimes.push(runtime);
    return runtime;
  };
  const runtime = await newRuntime();
  const api = await startAdminApi(runtime, {
    host: '127.0.0.1',
    port: 0,
    version: 'test',
    failedAuthLimit: { max: 100_000, windowMs: 60_000 },
    ...options,
  });
  return {
    db,
    runtime,
    api,
    replica: newRuntime,
    async call(method, path, token, body) {
      const headers: Record<string, string> = {};
      if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      await api.close();
      for (const r of runtimes) await r.close();
      await db.drop();
    },
  };
}

export interface TestPerson {
  id: string;
  tenantId: string;
  email: string;
  token: string;
}

/** A person with one token, written straight to the database (test fixture, not via the API). */
export async function createTestPerson(
  runtime: Runtime,
  tenantId: string,
  roles: Role[],
  options: { scopes?: string[]; expiresAt?: Date; email?: string } = {},
): Promise<TestPerson> {
  const email =
    options.email ?? `${roles.join('-') || 'none'}-${randomBytes(4).toString('hex')}@example.test`;
  const person = await runtime.repos.people.create(tenantId, { email, name: email, roles });
  const token = generateToken();
  await runtime.repos.tokens.create(tenantId, {
    personId: person.id,
    name: 'test',
    prefix: token.displayPrefix,
    hash: token.hash,
    scopes: options.scopes ?? ['admin:*', 'mcp:call'],
    expiresAt: options.expiresAt ?? null,
  });
  return { id: person.id, tenantId, email, token: token.secret };
}

export async function createTestTenant(
  runtime: Runtime,
  prefix = 't',
): Promise<{ id: string; slug: string }> {
  const slug = `${prefix}-${randomBytes(4).toString('hex')}`;
  const tenant = await runtime.repos.tenants.create({ slug, name: slug });
  return { id: tenant.id, slug: tenant.slug };
}
