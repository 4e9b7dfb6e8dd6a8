import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAdminApi } from '@gatehouse/admin-api';
import { createRuntime, type HttpAppHandle, type Runtime } from '@gatehouse/app-kit';
import { loadConfig } from '@gatehouse/config';
import { createAuditSink, startGateway, type ClosableAuditSink } from '@gatehouse/gateway-adapters';
import { createLogger } from '@gatehouse/telemetry';

/**
 * The all-in-one's composition (apps/gatehouse/src/main.ts) in embedded mode: PGlite, in-memory
 * sessions, bus and failed-authentication windows; its gateway and admin API answer URL errors,
 * bad text and form bodies like the separate apps. (The app itself needs a build to run: tsx
 * emits no decorator metadata for Nest's injection.)
 */
describe('the all-in-one (embedded) at the edge', () => {
  let dataDir: string;
  let runtime: Runtime;
  let audit: ClosableAuditSink;
  let gateway: HttpAppHandle;
  let admin: HttpAppHandle;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-edge-'));
    const config = loadConfig({ GATEHOUSE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, 'embedded');
    runtime = await createRuntime(config, 'embedded', createLogger('edge', 'silent'), 'embedded');
    audit = createAuditSink(runtime);
    gateway = await startGateway(runtime, { host: '127.0.0.1', port: 0, audit, version: 'test' });
    admin = await startAdminApi(runtime, {
      host: '127.0.0.1',
      port: 0,
      version: 'test',
      failedAuthLimit: { max: 2, windowMs: 60_000 },
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([gateway?.close(), admin?.close()]);
    await audit?.close();
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a broken percent-escape on /mcp with a JSON-RPC error', async () => {
    const response = await fetch(`${gateway.url}/mcp/%ff`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, data: { code: 'invalid_url' } },
    });
  });

  it('answers URL errors, NUL in a path and form bodies on the admin API in the documented body', async () => {
    const badUrl = await fetch(`${admin.url}/api/v1/tenants/%ff`);
    expect(badUrl.status).toBe(400);
    expect(await badUrl.json()).toMatchObject({
      error: { code: 'INVALID_URL', requestId: expect.any(String) },
    });
    const nul = await fetch(`${admin.url}/api/v1/tenants/%00/people`);
    expect(nul.status).toBe(400);
    expect(await nul.json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { issues: [{ in: 'path', path: 't' }] } },
    });
    const form = await fetch(`${admin.url}/api/v1/tenants/default`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=renamed',
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('limits a failing credential per address in memory, other credentials untouched', async () => {
    const get = (token: string) =>
      fetch(`${admin.url}/api/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get('gth_bad')).status).toBe(401);
    expect((await get('gth_bad')).status).toBe(401);
    expect((await get('gth_bad')).status).toBe(429);
    expect((await get('gth_other')).status).toBe(401);
  });
});
