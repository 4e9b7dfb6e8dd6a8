import { startAdminApi } from '@gatehouse/admin-api';
import {
  bootstrapIfEmpty,
  createRuntime,
  type HttpAppHandle,
  type Runtime,
} from '@gatehouse/app-kit';
import { loadConfig } from '@gatehouse/config';
import { createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
import { createLogger } from '@gatehouse/telemetry';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyStartupFile } from './startup-apply';

const FILE = `version: 1
tenants:
  - slug: default
    name: Default tenant
    upstreams:
      - slug: docs
        url: http://127.0.0.1:9/mcp
        credentials: { bearerToken: { env: DOCS_TOKEN } }
`;

describe('npm start applies ./gatehouse.yaml', () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let api: HttpAppHandle;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig(
      {
        DATABASE_URL: db.url,
        REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: `test:start:${randomBytes(6).toString('hex')}:`,
        GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
        LOG_LEVEL: 'silent',
      },
      'admin-api',
    );
    runtime = await createRuntime(config, 'distributed', createLogger('start', 'silent'), 'start');
    await bootstrapIfEmpty(runtime);
    api = await startAdminApi(runtime, { host: '127.0.0.1', port: 0, version: 'test' });
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-start-'));
  }, 120_000);
  afterAll(async () => {
    await api.close();
    await runtime.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('does nothing without the file', async () => {
    expect(await applyStartupFile(runtime, api.url, dir, {})).toBeUndefined();
  });

  it('applies the file once as the bootstrap admin with a token revoked afterwards', async () => {
    await writeFile(join(dir, 'gatehouse.yaml'), FILE);
    await expect(applyStartupFile(runtime, api.url, dir, {})).rejects.toThrow(
      'DOCS_TOKEN is not set',
    );
    const first = await applyStartupFile(runtime, api.url, dir, { DOCS_TOKEN: 't' });
    expect(first).toMatchObject({ applied: 1 });
    expect(first?.plan).toContain('+ upstream docs');
    const tenant = await runtime.repos.tenants.findByIdOrSlug('default');
    const upstreams = await runtime.repos.upstreams.list(String(tenant?.id));
    expect(upstreams.items.map((u) => [u.slug, u.credentials !== null])).toEqual([['docs', true]]);
    const second = await applyStartupFile(runtime, api.url, dir, { DOCS_TOKEN: 't' });
    expect(second).toMatchObject({ applied: 0 });
    // The starter rule is not in the file and stays: start never prunes.
    expect(second?.plan).toContain('kept without --prune');
    const admin = await runtime.repos.people.findByEmail(String(tenant?.id), 'admin@localhost');
    const tokens = await runtime.repos.tokens.listForPerson(String(tenant?.id), String(admin?.id));
    const applyTokens = tokens.items.filter((t) => t.name.startsWith('npm start'));
    expect(applyTokens).toHaveLength(3);
    expect(applyTokens.every((t) => t.revokedAt !== null)).toBe(true);
  });
});
