import { startAdminApi } from '@gatehouse/admin-api';
import {
  bootstrapIfEmpty,
  createRuntime,
  type HttpAppHandle,
  type Runtime,
} from '@gatehouse/app-kit';
import { startAuditService, type AuditServiceHandle } from '@gatehouse/audit-worker';
import { loadConfig } from '@gatehouse/config';
import { createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
import { createAuditSink, startGateway, type ClosableAuditSink } from '@gatehouse/gateway-adapters';
import { createLogger } from '@gatehouse/telemetry';
import { startFixtureUpstream, type FixtureUpstream } from '@gatehouse/testing';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/console-browser';
import { connectClient } from './support/mcp-client';

/** docs/console holds the committed ones: `CONSOLE_SCREENSHOTS_DIR=docs/console` refreshes them. */
const SCREENSHOTS =
  process.env['CONSOLE_SCREENSHOTS_DIR'] ?? join(tmpdir(), 'gatehouse-console-screenshots');

function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/**
 * The web console in a real browser against a real stack (admin API, gateway, audit worker, a
 * fixture upstream, Postgres and Redis): the newcomer path and the approval round trip.
 */
describe('web console (Chromium)', () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let admin: HttpAppHandle;
  let gateway: HttpAppHandle;
  let worker: AuditServiceHandle;
  let audit: ClosableAuditSink;
  let upstream: FixtureUpstream;
  let browser: Browser;
  let page: Page;
  let adminToken: string;
  let newcomerToken: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig(
      {
        DATABASE_URL: db.url,
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: `e2e:console:${randomUUID()}:`,
        LOG_LEVEL: 'silent',
        HOST: '127.0.0.1',
        UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
        AUDIT_BATCH_MAX_WAIT_MS: '50',
      },
      'embedded',
    );
    runtime = await createRuntime(
      config,
      'distributed',
      createLogger('console', 'silent'),
      'console',
    );
    const bootstrap = await bootstrapIfEmpty(runtime);
    adminToken = String(bootstrap.secret);
    audit = createAuditSink(runtime);
    gateway = await startGateway(runtime, { host: '127.0.0.1', port: 0, audit, version: 'test' });
    admin = await startAdminApi(runtime, { host: '127.0.0.1', port: 0, version: 'test' });
    worker = await startAuditService(runtime, { host: '127.0.0.1', port: 0 });
    upstream = await startFixtureUpstream({ name: 'alpha' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await admin?.close();
    await audit?.close();
    await worker?.close();
    await upstream?.close();
    await runtime?.close();
    await db?.drop();
  });

  const go = async (hash: string, heading: string) => {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
  };

  it('serves the console with a strict content security policy and no token in storage', async () => {
    const response = await page.goto(`${admin.url}/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('Admin token (gth_…)').fill('gth_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /token|authenticat/i })
      .waitFor();
  });

  it('newcomer path: sign in, register an upstream, add a person and a token, call a tool, see it in the audit', async () => {
    await page.getByLabel('Admin token (gth_…)').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Upstreams', exact: true }).waitFor();
    expect(
      await page.evaluate('[localStorage.length, sessionStorage.length, document.cookie]'),
    ).toEqual([0, 0, '']);

    await page.getByLabel('Slug (tool prefix)').fill('alpha');
    await page.getByLabel('MCP URL').fill(upstream.url);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('cell', { name: upstream.url }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'upstreams.png') });

    await go('#/people', 'People & tokens');
    await page.getByLabel('Email').fill('newcomer@example.com');
    await page.getByLabel('Name').fill('New Comer');
    await page.getByLabel('Role').selectOption('admin');
    await page.getByRole('button', { name: 'Add person' }).click();
    const row = page.getByRole('row').filter({ hasText: 'newcomer@example.com' });
    await row.getByRole('button', { name: 'Tokens' }).click();
    await page
      .getByRole('form', { name: 'New token for newcomer@example.com' })
      .getByLabel('Name')
      .fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    newcomerToken = (await page.getByTestId('token-secret').textContent()) ?? '';
    expect(newcomerToken).toMatch(/^gth_/);
    await page.screenshot({ path: join(SCREENSHOTS, 'people-and-tokens.png') });

    const { client } = await connectClient(gateway.url, newcomerToken);
    expect(
      textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'hello console' } })),
    ).toBe('hello console');
    await client.close();

    await go('#/audit', 'Audit');
    await page.getByLabel('Tool contains').fill('echo');
    // The audit worker writes the event a moment later: filter again until it is there.
    for (let i = 0; i < 60; i++) {
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('heading', { name: 'Audit', exact: true }).waitFor();
      if ((await page.getByRole('cell', { name: 'echo', exact: true }).count()) > 0) break;
      await page.waitForTimeout(500);
    }
    await page.getByRole('cell', { name: 'echo', exact: true }).first().waitFor();
    await page.getByRole('heading', { name: 'Last 24 hours' }).waitFor();
    await page.getByRole('cell', { name: 'newcomer@example.com' }).first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'audit.png') });
  }, 120_000);

  it('approval round trip: the agent waits, the approver approves in the live inbox, the agent gets its result', async () => {
    await go('#/policies', 'Policies');
    await page.getByLabel('Name', { exact: true }).fill('hold-echo');
    await page.getByLabel('Effect').selectOption('require_approval');
    await page.getByLabel('Subjects (space-separated)').fill('role:admin');
    await page.getByLabel('Upstream glob').fill('alpha');
    await page.getByLabel('Tool glob').fill('echo');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('cell', { name: 'hold-echo' }).waitFor();
    await page.getByLabel('Person email').fill('newcomer@example.com');
    await page.getByLabel('Upstream', { exact: true }).fill('alpha');
    await page.getByLabel('Tool', { exact: true }).fill('echo');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page
      .getByTestId('simulation')
      .filter({ hasText: /^require_approval/ })
      .waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'policies.png') });

    await go('#/approvals', 'Approvals');
    const { client } = await connectClient(gateway.url, newcomerToken);
    const call = client.callTool({ name: 'alpha__echo', arguments: { text: 'needs a human' } });
    // No reload: the inbox refreshes itself.
    const held = page.getByRole('row').filter({ hasText: 'alpha__echo' });
    await held.waitFor({ timeout: 60_000 });
    expect(await held.textContent()).toContain('newcomer@example.com');
    await page.screenshot({ path: join(SCREENSHOTS, 'approvals.png') });
    await held.getByRole('button', { name: 'Approve' }).click();
    expect(textOf(await call)).toBe('needs a human');
    await held.waitFor({ state: 'detached', timeout: 30_000 });
    await client.close();
  }, 120_000);
});
