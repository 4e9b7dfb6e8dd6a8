import { randomBytes } from 'node:crypto';
import { startAdminApi } from '@gatehouse/admin-api';
import type { HttpAppHandle } from '@gatehouse/app-kit';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { startFixtureUpstream, type FixtureUpstream } from '@gatehouse/testing';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, roundRobinFetch } from './support/mcp-client';
import {
  startGatewayHarness,
  type GatewayHarness,
  type TestCaller,
} from './support/gateway-harness';

// Every logger the harness and the admin API create writes here too, so the test can grep it.
jest.mock('@gatehouse/telemetry', () => {
  const actual = jest.requireActual<typeof import('@gatehouse/telemetry')>('@gatehouse/telemetry');
  const { Writable: WritableStream } =
    jest.requireActual<typeof import('node:stream')>('node:stream');
  const lines: string[] = [];
  const capture = new WritableStream({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return {
    ...actual,
    capturedLogLines: lines,
    createLogger: (service: string) => actual.createLogger(service, 'debug', capture),
  };
});
const logLines = (): string[] =>
  jest.requireMock<{ capturedLogLines: string[] }>('@gatehouse/telemetry').capturedLogLines;

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** An admin API response body: a view, a list or `{ error: { code } }`. */
type ApiBody = Record<string, unknown> & { error: { code: string }; items: unknown[] };

/** A secret no other text of the run could contain by chance. */
const secret = (who: string) => `${who}-${randomBytes(18).toString('base64url')}`;

/** One key for every replica (without it each runtime makes up its own). */
const key = randomBytes(32).toString('base64');

describe('per-person upstream credentials', () => {
  let h: GatewayHarness;
  let admin: HttpAppHandle;
  let personal: FixtureUpstream;
  let upstreamId: string;
  let tenantAdmin: TestCaller;
  let alice: TestCaller;
  let bob: TestCaller;
  let carol: TestCaller;
  const aliceSecret = secret('alice');
  const bobSecret = secret('bob');
  const foreignSecret = secret('mallory');
  const adminResponses: string[] = [];

  /** The admin API as `caller`; every response body is kept for the secret grep. */
  async function api(caller: TestCaller, method: string, path: string, body?: unknown) {
    const response = await fetch(`${admin.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${caller.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    adminResponses.push(text);
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as ApiBody };
  }

  const credentialPath = (t: string, person: TestCaller) =>
    `/tenants/${t}/people/${person.person.id}/upstream-credentials/${upstreamId}`;

  beforeAll(async () => {
    provider.register();
    h = await startGatewayHarness({
      replicas: 2,
      env: {
        LOG_LEVEL: 'debug',
        UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
        GATEHOUSE_ENCRYPTION_KEY: key,
      },
    });
    admin = await startAdminApi(h.runtimes[0]!, { host: '127.0.0.1', port: 0, version: 'test' });
    personal = await startFixtureUpstream({
      name: 'personal',
      requireBearer: [aliceSecret, bobSecret],
    });
    tenantAdmin = await h.addCaller(['admin'], ['mcp:call', 'admin:*']);
    alice = await h.addCaller(['member'], ['mcp:call', 'admin:write']);
    bob = await h.addCaller(['member'], ['mcp:call', 'admin:write']);
    carol = await h.addCaller(['member'], ['mcp:call', 'admin:write']);
    const created = await api(tenantAdmin, 'POST', `/tenants/${h.tenant.id}/upstreams`, {
      slug: 'personal',
      name: 'personal',
      url: personal.url,
      authMode: 'per-person-secret',
      annotationsTrusted: true,
    });
    expect({ status: created.status, body: created.body }).toMatchObject({ status: 201 });
    expect(created.body['authMode']).toBe('per-person-secret');
    upstreamId = created.body['id'] as string;
  }, 60_000);

  afterAll(async () => {
    await admin?.close();
    await personal?.close();
    await h?.close();
    await provider.shutdown();
  });

  it('validates the auth mode: oauth is refused for now, shared credentials only with shared', async () => {
    const base = { name: 'x', url: personal.url };
    const oauth = await api(tenantAdmin, 'POST', `/tenants/${h.tenant.id}/upstreams`, {
      ...base,
      slug: 'oauthy',
      authMode: 'oauth',
    });
    expect(oauth.status).toBe(400);
    expect(oauth.body['error'].code).toBe('UPSTREAM_AUTH_MODE_UNSUPPORTED');
    const mixed = await api(tenantAdmin, 'POST', `/tenants/${h.tenant.id}/upstreams`, {
      ...base,
      slug: 'mixed',
      authMode: 'per-person-secret',
      credentials: { bearerToken: 'shared-one' },
    });
    expect(mixed.status).toBe(400);
    const bogus = await api(tenantAdmin, 'POST', `/tenants/${h.tenant.id}/upstreams`, {
      ...base,
      slug: 'bogus',
      authMode: 'everyone',
    });
    expect(bogus.status).toBe(400);
    expect(bogus.body['error'].code).toBe('VALIDATION_FAILED');
    // A shared upstream with a stored credential switches mode only once it is removed.
    const sharedOne = await api(tenantAdmin, 'POST', `/tenants/${h.tenant.id}/upstreams`, {
      ...base,
      slug: 'switching',
      credentials: { bearerToken: 'shared-one' },
    });
    expect(sharedOne.body['authMode']).toBe('shared');
    const path = `/tenants/${h.tenant.id}/upstreams/${sharedOne.body['id']}`;
    const keeping = await api(tenantAdmin, 'PATCH', path, { authMode: 'per-person-secret' });
    expect(keeping.status).toBe(400);
    const switched = await api(tenantAdmin, 'PATCH', path, {
      authMode: 'per-person-secret',
      credentials: null,
    });
    expect(switched.body).toMatchObject({ authMode: 'per-person-secret', hasCredentials: false });
    // Personal credentials only for per-person-secret upstreams.
    const alphaId = (await h.runtimes[0]!.repos.upstreams.findBySlug(h.tenant.id, 'alpha'))!.id;
    const mismatch = await api(
      alice,
      'PUT',
      `/tenants/${h.tenant.id}/people/${alice.person.id}/upstream-credentials/${alphaId}`,
      { bearerToken: 'for-a-shared-upstream' },
    );
    expect(mismatch.status).toBe(409);
    expect(mismatch.body['error'].code).toBe('UPSTREAM_AUTH_MODE_MISMATCH');
  });

  it("stores a person's own credential write-only: set at and a display prefix, never the value", async () => {
    const own = await api(alice, 'PUT', credentialPath(h.tenant.id, alice), {
      bearerToken: aliceSecret,
    });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({
      upstreamId,
      personId: alice.person.id,
      prefix: `${aliceSecret.slice(0, 4)}…`,
      setAt: expect.any(String),
    });
    // An admin sets Bob's; Bob reads his own; Alice may not touch Bob's.
    expect(
      (await api(tenantAdmin, 'PUT', credentialPath(h.tenant.id, bob), { bearerToken: bobSecret }))
        .status,
    ).toBe(200);
    expect((await api(bob, 'GET', credentialPath(h.tenant.id, bob))).status).toBe(200);
    const listed = await api(
      bob,
      'GET',
      `/tenants/${h.tenant.id}/people/${bob.person.id}/upstream-credentials`,
    );
    expect(listed.body['items']).toHaveLength(1);
    expect(
      (await api(alice, 'PUT', credentialPath(h.tenant.id, bob), { bearerToken: 'x'.repeat(20) }))
        .status,
    ).toBe(403);
    expect((await api(alice, 'GET', credentialPath(h.tenant.id, bob))).status).toBe(403);
    const empty = await api(alice, 'PUT', credentialPath(h.tenant.id, alice), {});
    expect(empty.status).toBe(400);

    const row = await h.runtimes[0]!.repos.upstreamCredentials.find(
      h.tenant.id,
      upstreamId,
      alice.person.id,
    );
    expect(row?.secret).not.toContain(aliceSecret);
    expect(JSON.parse(h.runtimes[0]!.secrets.open(row!.secret))).toEqual({
      bearerToken: aliceSecret,
    });
  });

  it("injects each person's own credential on either replica, with an upstream session per person", async () => {
    const urls = h.gateways.map((g) => g.url);
    const calls: { who: string; caller: TestCaller }[] = [
      { who: 'alice', caller: alice },
      { who: 'bob', caller: bob },
    ];
    for (const { who, caller } of calls) {
      // Every request of the session alternates between replica A and replica B.
      const { client } = await connectClient(urls[0]!, caller.token, {
        fetch: roundRobinFetch(urls),
      });
      for (let i = 0; i < 4; i++) {
        const result = (await client.callTool({
          name: 'personal__echo',
          arguments: { text: `${who}-${i}` },
        })) as CallToolResult;
        expect((result.content[0] as { text: string }).text).toBe(`${who}-${i}`);
      }
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('personal__echo');
      await client.close();
    }

    const toolCalls = personal.receivedHeaders.filter(
      (r) => (r.body as { method?: string } | undefined)?.method === 'tools/call',
    );
    const carried = (who: string) =>
      toolCalls
        .filter((r) =>
          String(
            (r.body as { params: { arguments: { text: string } } }).params.arguments.text,
          ).startsWith(who),
        )
        .map((r) => r.headers.authorization);
    expect(carried('alice')).toEqual(Array(4).fill(`Bearer ${aliceSecret}`));
    expect(carried('bob')).toEqual(Array(4).fill(`Bearer ${bobSecret}`));
    // No upstream session ever saw two people's tokens.
    const bearersBySession = new Map<string, Set<string>>();
    for (const r of personal.receivedHeaders) {
      const id = r.headers['mcp-session-id'];
      if (typeof id !== 'string') continue;
      const seen = bearersBySession.get(id) ?? new Set<string>();
      seen.add(String(r.headers.authorization));
      bearersBySession.set(id, seen);
    }
    expect(bearersBySession.size).toBeGreaterThanOrEqual(2);
    for (const seen of bearersBySession.values()) expect(seen.size).toBe(1);
    // The caller's own gateway token never reaches the upstream.
    const everything = JSON.stringify(personal.receivedHeaders);
    for (const token of [alice.token, bob.token]) expect(everything).not.toContain(token);

    const audited = h.audit.events.filter(
      (e) => e.method === 'tools/call' && e.upstream === 'personal' && e.outcome === 'ok',
    );
    expect(audited.filter((e) => e.personId === alice.person.id).map((e) => e.details)).toEqual(
      Array(4).fill({
        credential: { mode: 'per-person-secret', state: 'ready', personId: alice.person.id },
      }),
    );
  });

  it('hides the upstream from a person without a credential and names what to do on call', async () => {
    const { client } = await connectClient(h.gateways[1]!.url, carol.token);
    const tools = await client.listTools();
    expect(tools.tools.some((t) => t.name.startsWith('personal__'))).toBe(false);
    expect(tools.tools.some((t) => t.name.startsWith('alpha__'))).toBe(true);
    const refused = await client
      .callTool({ name: 'personal__echo', arguments: { text: 'no token' } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(McpError);
    const error = refused as McpError;
    expect(error.data).toMatchObject({
      code: 'upstream_credential_missing',
      upstream: 'personal',
      setCredential: `PUT /api/v1/tenants/${h.tenant.id}/people/${carol.person.id}/upstream-credentials/${upstreamId}`,
    });
    expect(error.message).toContain('upstream-credentials');
    await client.close();
    const event = h.audit.events.find(
      (e) => e.personId === carol.person.id && e.tool === 'echo' && e.upstream === 'personal',
    );
    expect(event?.outcome).toBe('error');
    expect(event?.details).toEqual({
      credential: { mode: 'per-person-secret', state: 'missing', personId: carol.person.id },
    });
    // The upstream's own endpoint says the same at initialize.
    await expect(
      connectClient(h.gateways[0]!.url, carol.token, { path: '/mcp/personal' }),
    ).rejects.toThrow(/upstream-credentials/);
    // Nothing was sent upstream for Carol.
    expect(JSON.stringify(personal.receivedHeaders)).not.toContain('no token');
  });

  it("a person of another tenant can neither set nor use this tenant's credentials", async () => {
    const other = await h.addTenant('Other tenant', {});
    const outsider = await h.addCaller(['admin'], ['mcp:call', 'admin:*'], other.tenant.id);
    // Setting a credential on tenant A's upstream, for anyone, through either tenant's path.
    expect(
      (
        await api(outsider, 'PUT', credentialPath(h.tenant.id, outsider), {
          bearerToken: foreignSecret,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await api(outsider, 'PUT', credentialPath(h.tenant.id, alice), {
          bearerToken: foreignSecret,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await api(outsider, 'PUT', credentialPath(other.tenant.id, outsider), {
          bearerToken: foreignSecret,
        })
      ).status,
    ).toBe(404);
    expect((await api(outsider, 'GET', credentialPath(h.tenant.id, alice))).status).toBe(404);
    // Their gateway session sees none of tenant A's upstreams, so nothing of Alice's is used.
    const { client } = await connectClient(h.gateways[0]!.url, outsider.token);
    const tools = await client.listTools();
    expect(tools.tools.some((t) => t.name.startsWith('personal__'))).toBe(false);
    await expect(
      client.callTool({ name: 'personal__echo', arguments: { text: 'steal' } }),
    ).rejects.toThrow();
    await client.close();
    expect(JSON.stringify(personal.receivedHeaders)).not.toContain('steal');
  });

  it('removes a credential: the next call names what to do again', async () => {
    expect((await api(bob, 'DELETE', credentialPath(h.tenant.id, bob))).status).toBe(204);
    expect((await api(bob, 'GET', credentialPath(h.tenant.id, bob))).status).toBe(404);
    const { client } = await connectClient(h.gateways[0]!.url, bob.token);
    await expect(
      client.callTool({ name: 'personal__echo', arguments: { text: 'after removal' } }),
    ).rejects.toThrow(/upstream-credentials/);
    await client.close();
  });

  it('never shows a secret in an admin API response, a log line, a span or an audit event', async () => {
    const adminAudit = await h.runtimes[0]!.repos.auditEvents.query(
      h.tenant.id,
      {},
      { limit: 200 },
    );
    const haystacks = {
      adminResponses: adminResponses.join('\n'),
      logs: logLines().join('\n'),
      spans: JSON.stringify(
        exporter
          .getFinishedSpans()
          .map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
      ),
      gatewayAudit: JSON.stringify(h.audit.events),
      adminAudit: JSON.stringify(adminAudit),
    };
    // The captures are real: each holds what this run did.
    expect(haystacks.logs).toContain('tools/call');
    expect(haystacks.spans).toContain('personal');
    expect(haystacks.adminAudit).toContain('admin.upstreamCredentials.set');
    for (const [where, text] of Object.entries(haystacks)) {
      for (const value of [aliceSecret, bobSecret, foreignSecret]) {
        expect({ where, leaked: text.includes(value) }).toEqual({ where, leaked: false });
      }
    }
  });
});
