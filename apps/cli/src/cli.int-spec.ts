import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '@gatehouse/admin-client';
import { startCliTestEnv, type CliTestEnv } from './testing/cli-test-env';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
type Item = Record<string, unknown> & { id: string };

describe('gatehouse CLI against a real admin API', () => {
  let env: CliTestEnv;
  beforeAll(async () => {
    env = await startCliTestEnv();
  }, 120_000);
  afterAll(async () => {
    await env.close();
  });

  describe('login', () => {
    it('refuses to run commands before login, saying how to sign in (exit 3)', async () => {
      const result = await env.run(['tenants', 'list']);
      expect(result.code).toBe(EXIT.UNAUTHENTICATED);
      expect(result.err).toContain('gatehouse login');
    });

    it('refuses a bad token (exit 3) and an unreachable URL (exit 7) without saving them', async () => {
      const bad = await env.run(['login', '--url', env.api.url, '--token', 'gth_nope']);
      expect(bad.code).toBe(EXIT.UNAUTHENTICATED);
      expect(bad.err).toMatch(/UNAUTHENTICATED/);
      const down = await env.run([
        'login',
        '--url',
        'http://127.0.0.1:1',
        '--token',
        env.adminToken,
      ]);
      expect(down.code).toBe(EXIT.UNAVAILABLE);
      expect(down.err).toContain('Cannot reach the admin API');
      const notUrl = await env.run(['login', '--url', 'not a url', '--token', env.adminToken]);
      expect(notUrl.code).toBe(EXIT.USAGE);
      expect((await env.run(['tenants', 'list'])).code).toBe(EXIT.UNAUTHENTICATED);
    });

    it('stores URL and token in the config directory, readable only by the owner', async () => {
      const result = await env.run(['login', '--url', env.api.url, '--token', env.adminToken]);
      expect(result.code).toBe(EXIT.OK);
      const file = join(env.configDir, 'login.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
        url: env.api.url,
        token: env.adminToken,
        tenant: 'default',
      });
    });
  });

  describe('tenants', () => {
    it('create, list, get, update and delete, as tables and as JSON', async () => {
      const created = await env.run([
        '--json',
        'tenants',
        'create',
        '--slug',
        'acme',
        '--name',
        'Acme',
      ]);
      expect(created.code).toBe(EXIT.OK);
      expect(created.json()).toMatchObject({ slug: 'acme', name: 'Acme', status: 'active' });
      const table = await env.run(['tenants', 'list']);
      expect(table.out).toMatch(/^SLUG\s+NAME\s+STATUS/);
      expect(table.out).toMatch(/\nacme\s+Acme\s+active/);
      const list = (await env.run(['tenants', 'list', '--json'])).json<Page<Item>>();
      expect(list.items.map((t) => t['slug']).sort()).toEqual(['acme', 'default']);
      expect(list.nextCursor).toBeNull();
      const got = await env.run(['tenants', 'get', 'acme']);
      expect(got.out).toMatch(/slug:\s+acme/);
      const updated = await env.run([
        '--json',
        'tenants',
        'update',
        'acme',
        '--name',
        'Acme Corp',
        '--settings',
        '{"hideChangedTools":true}',
      ]);
      expect(updated.json()).toMatchObject({
        name: 'Acme Corp',
        settings: { hideChangedTools: true },
      });
      const disabled = await env.run(['tenants', 'delete', 'acme', '--json']);
      expect(disabled.json()).toMatchObject({ slug: 'acme', status: 'disabled' });
      const enabled = await env.run(['tenants', 'update', 'acme', '--status', 'active']);
      expect(enabled).toMatchObject({ code: EXIT.OK, out: 'updated tenant acme\n' });
    });

    it('bad input is exit 2 with the field named; a duplicate is 6; an unknown tenant is 5', async () => {
      const bad = await env.run(['tenants', 'create', '--slug', 'Not A Slug', '--name', 'x']);
      expect(bad.code).toBe(EXIT.USAGE);
      expect(bad.err).toMatch(/VALIDATION_FAILED/);
      expect(bad.err).toMatch(/slug: 1-63 lowercase letters/);
      const missing = await env.run(['tenants', 'create', '--slug', 'x']);
      expect(missing.code).toBe(EXIT.USAGE);
      expect(missing.err).toContain("required option '--name <name>' not specified");
      const duplicate = await env.run(['tenants', 'create', '--slug', 'acme', '--name', 'again']);
      expect(duplicate.code).toBe(EXIT.CONFLICT);
      const unknown = await env.run(['tenants', 'get', 'no-such-tenant']);
      expect(unknown.code).toBe(EXIT.NOT_FOUND);
      expect(unknown.err).toContain('hint:');
      const json = await env.run(['tenants', 'update', 'acme', '--settings', '{oops']);
      expect(json.code).toBe(EXIT.USAGE);
      expect(json.err).toContain('--settings must be JSON');
      const nothing = await env.run(['tenants', 'update', 'acme']);
      expect(nothing.code).toBe(EXIT.USAGE);
      expect((await env.run(['tenants', 'frobnicate'])).code).toBe(EXIT.USAGE);
    });
  });

  describe('people and tokens', () => {
    it('people create, list, get, update, delete', async () => {
      const created = await env.run([
        '--json',
        'people',
        'create',
        '--email',
        'bob@example.com',
        '--name',
        'Bob',
        '--role',
        'member',
        '--role',
        'approver',
      ]);
      expect(created.code).toBe(EXIT.OK);
      const bob = created.json<Item>();
      expect(bob).toMatchObject({ email: 'bob@example.com', roles: ['member', 'approver'] });
      const list = (await env.run(['people', 'list', '--role', 'approver', '--json'])).json<
        Page<Item>
      >();
      expect(list.items.map((p) => p['email'])).toEqual(['bob@example.com']);
      expect((await env.run(['people', 'list'])).out).toMatch(
        /bob@example\.com\s+Bob\s+member,approver/,
      );
      expect((await env.run(['people', 'get', bob.id, '--json'])).json()).toMatchObject({
        id: bob.id,
      });
      const updated = await env.run(['people', 'update', bob.id, '--role', 'admin', '--json']);
      expect(updated.json()).toMatchObject({ roles: ['admin'] });
      const carol = (
        await env.run([
          '--json',
          'people',
          'create',
          '--email',
          'carol@example.com',
          '--name',
          'Carol',
        ])
      ).json<Item>();
      expect(carol['roles']).toEqual(['member']);
      expect((await env.run(['people', 'delete', carol.id, '--json'])).json()).toMatchObject({
        status: 'disabled',
      });
      const bad = await env.run(['people', 'create', '--email', 'not-an-email', '--name', 'X']);
      expect(bad.code).toBe(EXIT.USAGE);
      expect(bad.err).toMatch(/email/);
    });

    it('tokens create prints the secret once; list never shows it; rotate and revoke work', async () => {
      const created = await env.run([
        'tokens',
        'create',
        '--person',
        'bob@example.com',
        '--name',
        'laptop',
        '--scope',
        'admin:read',
        '--scope',
        'mcp:call',
      ]);
      expect(created.code).toBe(EXIT.OK);
      const secret = /^(gth_\S+)$/m.exec(created.out)?.[1];
      expect(secret).toBeDefined();
      expect(created.out).toContain('shown only this once');
      const list = await env.run(['tokens', 'list', '--person', 'bob@example.com']);
      expect(list.out).toMatch(/laptop\s+gth_\S+\s+admin:read,mcp:call/);
      expect(list.out).not.toContain(String(secret));
      const listed = (
        await env.run(['tokens', 'list', '--person', 'bob@example.com', '--json'])
      ).json<Page<Item>>();
      const tokenId = listed.items[0]?.id ?? '';
      expect(JSON.stringify(listed)).not.toContain(String(secret));
      // The new token works for the API (Bob is an admin now; admin:read lets him list people).
      const asBob = {
        GATEHOUSE_URL: env.api.url,
        GATEHOUSE_TOKEN: String(secret),
        GATEHOUSE_TENANT: 'default',
      };
      expect((await env.run(['people', 'list'], asBob)).code).toBe(EXIT.OK);
      // admin:read does not allow changes: 403 is exit 4 with a hint about scopes.
      const forbidden = await env.run(
        ['people', 'create', '--email', 'x@example.com', '--name', 'X'],
        asBob,
      );
      expect(forbidden.code).toBe(EXIT.FORBIDDEN);
      expect(forbidden.err).toContain('admin:*');
      const rotated = await env.run(['tokens', 'rotate', tokenId, '--json']);
      const { secret: rotatedSecret, token } = rotated.json<{ secret: string; token: Item }>();
      expect(rotatedSecret).toMatch(/^gth_/);
      expect((await env.run(['people', 'list'], asBob)).code).toBe(EXIT.UNAUTHENTICATED);
      const revoked = await env.run(['tokens', 'revoke', token.id]);
      expect(revoked).toMatchObject({ code: EXIT.OK, out: `revoked token ${token.id}\n` });
      const afterRevoke = await env.run(['people', 'list'], {
        ...asBob,
        GATEHOUSE_TOKEN: rotatedSecret,
      });
      expect(afterRevoke.code).toBe(EXIT.UNAUTHENTICATED);
      expect((await env.run(['tokens', 'delete', 'no-such-token'])).code).toBe(EXIT.NOT_FOUND);
      expect((await env.run(['tokens', 'list', '--person', 'nobody@example.com'])).code).toBe(
        EXIT.NOT_FOUND,
      );
    });

    it('a person of another tenant cannot read this tenant (exit 5, not 4: no existence leak)', async () => {
      const acmeAdmin = (
        await env.run([
          '--json',
          '--tenant',
          'acme',
          'people',
          'create',
          '--email',
          'a@acme.test',
          '--name',
          'A',
          '--role',
          'admin',
        ])
      ).json<Item>();
      const token = (
        await env.run([
          '--json',
          '--tenant',
          'acme',
          'tokens',
          'create',
          '--person',
          acmeAdmin.id,
          '--name',
          'x',
          '--scope',
          'admin:*',
        ])
      ).json<{ secret: string }>();
      const asAcme = {
        GATEHOUSE_URL: env.api.url,
        GATEHOUSE_TOKEN: token.secret,
        GATEHOUSE_TENANT: 'default',
      };
      expect((await env.run(['people', 'list'], asAcme)).code).toBe(EXIT.NOT_FOUND);
      expect((await env.run(['people', 'list', '--tenant', 'acme'], asAcme)).code).toBe(EXIT.OK);
      expect((await env.run(['tenants', 'list'], asAcme)).code).toBe(EXIT.FORBIDDEN);
    });
  });

  describe('upstreams', () => {
    it('create reads credentials from a named environment variable, never the command line', async () => {
      const missing = await env.run([
        'upstreams',
        'create',
        '--slug',
        'docs',
        '--url',
        'http://127.0.0.1:9/mcp',
        '--bearer-token-env',
        'DOCS_TOKEN',
      ]);
      expect(missing.code).toBe(EXIT.USAGE);
      expect(missing.err).toContain('DOCS_TOKEN is not set');
      const created = await env.run(
        [
          '--json',
          'upstreams',
          'create',
          '--slug',
          'docs',
          '--url',
          'http://127.0.0.1:9/mcp',
          '--bearer-token-env',
          'DOCS_TOKEN',
          '--annotations-trusted',
        ],
        { DOCS_TOKEN: 's3cret' },
      );
      expect(created.code).toBe(EXIT.OK);
      const docs = created.json<Item>();
      expect(docs).toMatchObject({
        slug: 'docs',
        name: 'docs',
        enabled: true,
        hasCredentials: true,
        annotationsTrusted: true,
      });
      expect(created.out).not.toContain('s3cret');
      expect((await env.run(['upstreams', 'list'])).out).toMatch(
        /docs\s+http:\/\/127\.0\.0\.1:9\/mcp\s+true\s+true/,
      );
      expect((await env.run(['upstreams', 'get', docs.id, '--json'])).json()).toMatchObject({
        slug: 'docs',
      });
      const updated = await env.run([
        'upstreams',
        'update',
        docs.id,
        '--disable',
        '--no-credentials',
        '--timeout-ms',
        '5000',
        '--json',
      ]);
      expect(updated.json()).toMatchObject({
        enabled: false,
        hasCredentials: false,
        timeoutMs: 5000,
        annotationsTrusted: true,
      });
      const badUrl = await env.run([
        'upstreams',
        'create',
        '--slug',
        'ftp',
        '--url',
        'ftp://example.com/x',
      ]);
      expect(badUrl.code).toBe(EXIT.USAGE);
      expect(badUrl.err).toMatch(/UPSTREAM_URL/);
      expect((await env.run(['upstreams', 'update', docs.id, '--timeout-ms', 'soon'])).code).toBe(
        EXIT.USAGE,
      );
      expect((await env.run(['upstreams', 'delete', docs.id])).code).toBe(EXIT.OK);
      expect((await env.run(['upstreams', 'get', docs.id])).code).toBe(EXIT.NOT_FOUND);
    });
  });

  describe('tools', () => {
    it('lists pinned tools, accepts a changed definition and overrides the risk', async () => {
      // Pins as the gateway records them when it first sees (and later re-sees) a tool.
      const tenant = await env.runtime.repos.tenants.findByIdOrSlug('default');
      const tenantId = String(tenant?.id);
      const wiki = await env.runtime.repos.upstreams.create(tenantId, {
        slug: 'wiki',
        name: 'wiki',
        url: 'http://127.0.0.1:9/mcp',
      });
      await env.runtime.repos.toolPins.upsertFirstSight(tenantId, {
        upstreamId: wiki.id,
        toolName: 'edit_page',
        definitionHash: 'v1',
        definition: { name: 'edit_page' },
      });
      await env.runtime.repos.toolPins.markChanged(tenantId, {
        upstreamId: wiki.id,
        toolName: 'edit_page',
        definitionHash: 'v2',
        definition: { name: 'edit_page', description: 'now also deletes' },
      });
      const table = await env.run(['tools', 'list']);
      expect(table.out).toMatch(/wiki\s+edit_page\s+\S+\s+-\s+changed/);
      expect((await env.run(['tools', 'accept', wiki.id, 'edit_page'])).code).toBe(EXIT.OK);
      expect((await env.run(['tools', 'accept', wiki.id, 'edit_page'])).code).toBe(EXIT.CONFLICT);
      const risky = await env.run(['--json', 'tools', 'risk', wiki.id, 'edit_page', 'destructive']);
      expect(risky.code).toBe(EXIT.OK);
      const listed = (await env.run(['tools', 'list', '--json'])).json<Page<Item>>();
      expect(listed.items).toEqual([
        expect.objectContaining({ name: 'edit_page', pin: 'pinned', riskOverride: 'destructive' }),
      ]);
      expect((await env.run(['tools', 'risk', wiki.id, 'edit_page', 'scary'])).code).toBe(
        EXIT.USAGE,
      );
      expect((await env.run(['tools', 'risk', wiki.id, 'edit_page', 'derived'])).code).toBe(
        EXIT.OK,
      );
      await env.run(['upstreams', 'delete', wiki.id]);
    });
  });

  describe('policies', () => {
    it('create, list, get, update, simulate, versions, rollback, delete', async () => {
      const created = await env.run([
        '--json',
        'policies',
        'create',
        '--name',
        'big-transfers',
        '--effect',
        'require_approval',
        '--subject',
        'role:member',
        '--upstream',
        'bank',
        '--tool',
        'transfer',
        '--condition',
        'args.amount > 1000',
      ]);
      expect(created.code).toBe(EXIT.OK);
      const rule = created.json<Item & { policyVersion: number }>();
      expect(rule).toMatchObject({
        effect: 'require_approval',
        targets: { upstream: 'bank', tool: 'transfer' },
      });
      expect((await env.run(['policies', 'list'])).out).toMatch(
        /big-transfers\s+require_approval\s+role:member\s+bank__transfer/,
      );
      expect((await env.run(['policies', 'get', rule.id, '--json'])).json()).toMatchObject({
        condition: 'args.amount > 1000',
      });
      const broken = await env.run([
        'policies',
        'create',
        '--name',
        'x',
        '--effect',
        'allow',
        '--condition',
        'args.amount >',
      ]);
      expect(broken.code).toBe(EXIT.USAGE);
      expect(broken.err).toMatch(/condition/);
      const simulated = await env.run([
        '--json',
        'policies',
        'simulate',
        '--person',
        'carol@example.com',
        '--upstream',
        'bank',
        '--tool',
        'transfer',
        '--args',
        '{"amount":5000}',
      ]);
      expect(simulated.json()).toMatchObject({ effect: 'require_approval' });
      const small = await env.run([
        'policies',
        'simulate',
        '--person',
        'carol@example.com',
        '--upstream',
        'bank',
        '--tool',
        'transfer',
        '--args',
        '{"amount":5}',
      ]);
      expect(small.out).toMatch(/^deny: /);
      const updated = await env.run(['--json', 'policies', 'update', rule.id, '--disable']);
      expect(updated.json()).toMatchObject({
        enabled: false,
        policyVersion: rule.policyVersion + 1,
      });
      const versions = (await env.run(['policies', 'versions', '--json'])).json<
        Page<{ version: number }>
      >();
      expect(versions.items[0]?.version).toBe(rule.policyVersion + 1);
      expect((await env.run(['policies', 'rollback', String(rule.policyVersion)])).code).toBe(
        EXIT.OK,
      );
      expect((await env.run(['policies', 'get', rule.id, '--json'])).json()).toMatchObject({
        enabled: true,
      });
      expect((await env.run(['policies', 'delete', rule.id])).code).toBe(EXIT.OK);
      expect((await env.run(['policies', 'get', rule.id])).code).toBe(EXIT.NOT_FOUND);
    });
  });

  describe('approvals and audit', () => {
    it('lists pending approvals, approves and denies; deciding twice is a conflict (exit 6)', async () => {
      const tenant = await env.runtime.repos.tenants.findByIdOrSlug('default');
      const carol = await env.runtime.repos.people.findByEmail(
        String(tenant?.id),
        'carol@example.com',
      );
      const held = (tool: string) =>
        env.runtime.repos.approvals.create(String(tenant?.id), {
          personId: String(carol?.id),
          sessionId: 'session-1',
          upstreamSlug: 'bank',
          toolName: tool,
          argumentsDigest: tool,
          arguments: { amount: 5000 },
          matchedRules: ['big-transfers'],
          policyVersion: 1,
          expiresAt: new Date(Date.now() + 600_000),
        });
      const first = await held('transfer');
      const second = await held('wire');
      const table = await env.run(['approvals', 'list']);
      expect(table.out).toMatch(/pending\s+bank\s+transfer\s+\{"amount":5000\}/);
      expect((await env.run(['approvals', 'get', first.id, '--json'])).json()).toMatchObject({
        tool: 'transfer',
        status: 'pending',
      });
      expect(await env.run(['approvals', 'approve', first.id, '--comment', 'ok'])).toMatchObject({
        code: EXIT.OK,
        out: `approved ${first.id}\n`,
      });
      const again = await env.run(['approvals', 'deny', first.id]);
      expect(again.code).toBe(EXIT.CONFLICT);
      expect(again.err).toMatch(/ALREADY_DECIDED/);
      expect((await env.run(['approvals', 'deny', second.id, '--json'])).json()).toMatchObject({
        status: 'denied',
      });
      const pending = (await env.run(['approvals', 'list', '--json'])).json<Page<Item>>();
      expect(pending.items).toEqual([]);
      const all = (await env.run(['approvals', 'list', '--status', 'all', '--json'])).json<
        Page<Item>
      >();
      expect(all.items.map((a) => a['status']).sort()).toEqual(['approved', 'denied']);
    });

    it('audit list filters the trail; audit tail prints events that arrive later', async () => {
      const list = (await env.run(['audit', 'list', '--json', '--limit', '5'])).json<Page<Item>>();
      expect(list.items).toHaveLength(5);
      expect(list.nextCursor).toEqual(expect.any(String));
      const decisions = await env.run(['audit', 'list', '--tool', 'nothing-matches-this']);
      expect(decisions.out).toBe('(none)\n');
      expect((await env.run(['audit', 'list', '--from', 'yesterday'])).code).toBe(EXIT.USAGE);

      const controller = new AbortController();
      const tail = env.run(
        ['audit', 'tail', '--json', '--lines', '0', '--interval', '1', '--count', '1'],
        {},
        controller.signal,
      );
      // Changes made while the tail runs show up in it. One made before the tail's first look
      // would not, so keep making them (no timing assumption) until the tail has printed one.
      let done = false;
      void tail.then(() => (done = true));
      const watchdog = setTimeout(() => controller.abort(), 50_000);
      for (let i = 0; !done; i++) {
        await env.run(['people', 'create', '--email', `dave${i}@example.com`, '--name', 'Dave']);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const result = await tail;
      clearTimeout(watchdog);
      expect(controller.signal.aborted).toBe(false);
      expect(result.code).toBe(EXIT.OK);
      const events = result.out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Item);
      expect(events).toHaveLength(1);
      expect(JSON.stringify(events[0])).toMatch(/dave\d+@example\.com/);
    }, 90_000);
  });

  it('logout forgets the login', async () => {
    expect((await env.run(['logout'])).out).toBe('Signed out.\n');
    expect((await env.run(['tenants', 'list'])).code).toBe(EXIT.UNAUTHENTICATED);
  });
});
