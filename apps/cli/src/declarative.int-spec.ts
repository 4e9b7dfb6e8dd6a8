import type { Change } from '@gatehouse/admin-client';
import Ajv2020 from 'ajv/dist/2020';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { EXIT } from '@gatehouse/admin-client';
import { startCliTestEnv, type CliTestEnv } from './testing/cli-test-env';

const QUICK_START = `# yaml-language-server: $schema=gatehouse.schema.json
version: 1
tenants:
  - slug: default
    name: Default tenant
    upstreams:
      - slug: docs
        url: http://127.0.0.1:9/mcp
        credentials:
          bearerToken: { env: DOCS_TOKEN }
    people:
      - email: bob@example.com
        name: Bob
    policies:
      - name: members-may-read-docs
        effect: allow
        subjects: ['role:member']
        targets: { upstream: docs, tool: 'search*' }
`;

describe('gatehouse apply, diff and export against a real admin API', () => {
  let env: CliTestEnv;
  const file = (name: string) => join(env.configDir, name);
  const secrets = { DOCS_TOKEN: 'docs-secret' };
  const changesOf = async (path: string, extra: string[] = []) => {
    const result = await env.run(['diff', '-f', path, '--json', ...extra]);
    if (result.out === '') throw new Error(`diff failed (${result.code}): ${result.err}`);
    return { code: result.code, changes: result.json<{ changes: Change[] }>().changes };
  };

  beforeAll(async () => {
    env = await startCliTestEnv();
    expect((await env.run(['login', '--url', env.api.url, '--token', env.adminToken])).code).toBe(
      0,
    );
    await writeFile(file('gatehouse.yaml'), QUICK_START);
  }, 120_000);
  afterAll(async () => {
    await env.close();
  });

  it('diff shows the changes (exit 8), apply makes them, and a second apply changes nothing', async () => {
    const diff = await env.run(['diff', '-f', 'gatehouse.yaml']);
    expect(diff.code).toBe(EXIT.DIFFERENT);
    expect(diff.out).toContain('tenant default\n');
    expect(diff.out).toMatch(
      /\+ upstream docs \(.*url: "http:\/\/127\.0\.0\.1:9\/mcp".*credentials: \(by reference\)\)/,
    );
    expect(diff.out).toContain('+ person bob@example.com');
    expect(diff.out).toContain('+ policy members-may-read-docs');
    // The bootstrap rule is not in the file: shown, kept without --prune.
    expect(diff.out).toMatch(/- policy admins-may-call-everything {2}\(not in the file; kept/);
    expect(diff.out).toContain('3 to create, 0 to change, 1 not in the file');

    const missingSecret = await env.run(['apply', '-f', 'gatehouse.yaml']);
    expect(missingSecret.code).toBe(EXIT.USAGE);
    expect(missingSecret.err).toContain('DOCS_TOKEN is not set');

    const apply = await env.run(['apply', '-f', 'gatehouse.yaml'], secrets);
    expect(apply.code).toBe(EXIT.OK);
    expect(apply.out).toContain('Applied 3 changes.');
    const docs = await env.run(['upstreams', 'list', '--json']);
    expect(docs.json()).toMatchObject({
      items: [{ slug: 'docs', hasCredentials: true, enabled: true }],
    });
    const sim = await env.run([
      'policies',
      'simulate',
      '--json',
      '--person',
      'bob@example.com',
      '--upstream',
      'docs',
      '--tool',
      'search_docs',
    ]);
    expect(sim.json()).toMatchObject({ effect: 'allow' });

    expect(await env.run(['diff', '-f', 'gatehouse.yaml'])).toMatchObject({ code: EXIT.OK });
    const again = await env.run(['apply', '-f', 'gatehouse.yaml', '--json'], secrets);
    expect(again.json()).toMatchObject({ applied: 0 });
    // Still only the bootstrap rule not in the file, and it is still there.
    expect((await changesOf('gatehouse.yaml')).changes).toEqual([
      expect.objectContaining({
        action: 'delete',
        kind: 'policy',
        key: 'admins-may-call-everything',
      }),
    ]);
  });

  it('export then apply is a no-op', async () => {
    await env.run([
      'tenants',
      'create',
      '--slug',
      'acme',
      '--name',
      'Acme',
      '--settings',
      '{"auditArguments":"full"}',
    ]);
    await env.run([
      '--tenant',
      'acme',
      'upstreams',
      'create',
      '--slug',
      'crm',
      '--url',
      'http://127.0.0.1:10/mcp',
      '--timeout-ms',
      '5000',
      '--disabled',
    ]);
    await env.run([
      '--tenant',
      'acme',
      'people',
      'create',
      '--email',
      'ann@acme.test',
      '--name',
      'Ann',
      '--role',
      'approver',
      '--role',
      'member',
    ]);
    await env.run([
      '--tenant',
      'acme',
      'policies',
      'create',
      '--name',
      'approve-deletes',
      '--effect',
      'require_approval',
      '--subject',
      'role:member',
      '--tool',
      'delete_*',
      '--risk',
      'destructive',
      '--condition',
      'size(args) > 0',
      '--priority',
      '5',
      '--description',
      'deletes wait for a human',
    ]);
    const exported = await env.run(['export', '-o', 'exported.yaml']);
    expect(exported.code).toBe(EXIT.OK);
    const text = await readFile(file('exported.yaml'), 'utf8');
    expect(text).toContain('# Credentials are set outside this file for: default/docs.');
    expect(text).not.toContain('docs-secret');
    const { changes } = await changesOf('exported.yaml', ['--prune']);
    expect(changes).toEqual([]);
    const applied = await env.run(['apply', '-f', 'exported.yaml', '--prune', '--json']);
    expect(applied.json()).toEqual({ changes: [], applied: 0 });
    const onlyAcme = await env.run(['--tenant', 'acme', 'export']);
    expect(parse(onlyAcme.out)).toMatchObject({
      tenants: [{ slug: 'acme', settings: { auditArguments: 'full' } }],
    });
  });

  it('a changed file shows exactly that change, and applying it makes only that change', async () => {
    const data = parse(await readFile(file('exported.yaml'), 'utf8')) as {
      tenants: {
        slug: string;
        upstreams: { slug: string; url: string }[];
        policies: { name: string; condition?: string }[];
      }[];
    };
    const acme = data.tenants.find((t) => t.slug === 'acme');
    const crm = acme?.upstreams.find((u) => u.slug === 'crm');
    const rule = acme?.policies.find((p) => p.name === 'approve-deletes');
    if (!crm || !rule) throw new Error('export lacks acme/crm or its rule');
    crm.url = 'http://127.0.0.1:11/mcp';
    rule.condition = 'size(args) > 1';
    await writeFile(file('changed.yaml'), stringify(data));
    const { code, changes } = await changesOf('changed.yaml', ['--prune']);
    expect(code).toBe(EXIT.DIFFERENT);
    expect(changes).toEqual([
      expect.objectContaining({
        action: 'update',
        kind: 'upstream',
        tenant: 'acme',
        key: 'crm',
        fields: { url: { from: 'http://127.0.0.1:10/mcp', to: 'http://127.0.0.1:11/mcp' } },
      }),
      expect.objectContaining({
        action: 'update',
        kind: 'policy',
        tenant: 'acme',
        key: 'approve-deletes',
        fields: { condition: { from: 'size(args) > 0', to: 'size(args) > 1' } },
      }),
    ]);
    const human = await env.run(['diff', '-f', 'changed.yaml']);
    expect(human.out).toContain(
      'tenant acme\n  ~ upstream crm\n      url: "http://127.0.0.1:10/mcp" → "http://127.0.0.1:11/mcp"\n',
    );
    expect((await env.run(['apply', '-f', 'changed.yaml', '--prune'])).out).toContain(
      'Applied 2 changes.',
    );
    expect((await changesOf('changed.yaml', ['--prune'])).changes).toEqual([]);
  });

  it('removes what the file lacks only with --prune, and never a platform admin', async () => {
    const data = parse(await readFile(file('changed.yaml'), 'utf8')) as {
      tenants: { slug: string; people: { email: string }[]; upstreams: unknown[] }[];
    };
    const def = data.tenants.find((t) => t.slug === 'default');
    if (!def) throw new Error('no default tenant');
    def.people = def.people.filter(
      (p) => p.email !== 'bob@example.com' && p.email !== 'admin@localhost',
    );
    def.upstreams = [];
    await writeFile(file('smaller.yaml'), stringify(data));
    const kept = await env.run(['apply', '-f', 'smaller.yaml']);
    expect(kept.out).toContain('not in the file (kept without --prune)');
    expect(
      (await env.run(['people', 'list', '--email', 'bob@example.com', '--json'])).json(),
    ).toMatchObject({ items: [{ status: 'active' }] });
    const pruned = await env.run(['apply', '-f', 'smaller.yaml', '--prune']);
    expect(pruned.out).toContain('- person bob@example.com');
    expect(pruned.out).toContain('- upstream docs');
    expect(pruned.out).not.toContain('admin@localhost');
    expect(
      (await env.run(['people', 'list', '--email', 'bob@example.com', '--json'])).json(),
    ).toMatchObject({ items: [{ status: 'disabled' }] });
    expect((await env.run(['upstreams', 'list', '--json'])).json()).toMatchObject({ items: [] });
    expect((await changesOf('smaller.yaml', ['--prune'])).changes).toEqual([]);
  });

  it('reads credentials from a mounted Secret file; inline secrets and bad files are refused (exit 2)', async () => {
    await writeFile(file('token'), 'from-a-secret-file\n');
    const withFile = QUICK_START.replace('{ env: DOCS_TOKEN }', '{ file: token }');
    await writeFile(file('with-file.yaml'), withFile);
    expect((await env.run(['apply', '-f', 'with-file.yaml'])).code).toBe(EXIT.OK);
    expect((await env.run(['upstreams', 'list', '--json'])).json()).toMatchObject({
      items: [{ slug: 'docs', hasCredentials: true }],
    });

    await writeFile(
      file('inline.yaml'),
      QUICK_START.replace('{ env: DOCS_TOKEN }', 'plain-text-secret'),
    );
    const inline = await env.run(['apply', '-f', 'inline.yaml']);
    expect(inline.code).toBe(EXIT.USAGE);
    expect(inline.err).toContain('tenants.0.upstreams.0.credentials.bearerToken');
    await writeFile(file('dupes.yaml'), QUICK_START.replace('version: 1', 'version: 2'));
    expect((await env.run(['diff', '-f', 'dupes.yaml'])).err).toMatch(/version/);
    await writeFile(file('broken.yaml'), 'version: [1\n');
    const broken = await env.run(['diff', '-f', 'broken.yaml']);
    expect(broken.code).toBe(EXIT.USAGE);
    expect(broken.err).toContain('not valid YAML');
    expect((await env.run(['diff', '-f', 'missing.yaml'])).code).toBe(EXIT.USAGE);
    const cel = QUICK_START.replace(
      "targets: { upstream: docs, tool: 'search*' }",
      "condition: 'args.x >'",
    );
    await writeFile(file('cel.yaml'), cel);
    const refused = await env.run(['apply', '-f', 'cel.yaml'], secrets);
    expect(refused.code).toBe(EXIT.USAGE);
    expect(refused.err).toMatch(/VALIDATION_FAILED/);
  });

  it('apply --wait keeps trying until the admin API answers (the Helm hook Job at install)', async () => {
    // A port with nothing on it yet; a few seconds into the apply, a proxy to the API opens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const target = new URL(env.api.url);
    const sockets = new Set<Socket>();
    const proxy = createServer((socket) => {
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    const asJob = { GATEHOUSE_URL: `http://127.0.0.1:${port}`, GATEHOUSE_TOKEN: env.adminToken };
    const noWait = await env.run(['apply', '-f', 'gatehouse.yaml'], asJob);
    expect(noWait.code).toBe(EXIT.UNAVAILABLE);
    const waiting = env.run(['apply', '-f', 'gatehouse.yaml', '--wait', '60'], {
      ...asJob,
      ...secrets,
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    proxy.listen(port, '127.0.0.1');
    try {
      const result = await waiting;
      expect(result.code).toBe(EXIT.OK);
      expect(result.err).toContain('waiting for the admin API');
    } finally {
      // The client keeps its connection alive: end it, or close would wait for it.
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('the committed gatehouse.schema.json is the schema the CLI prints, and it accepts the quick-start file', async () => {
    const printed = await env.run(['schema']);
    const committed = await readFile(join(__dirname, '../../../gatehouse.schema.json'), 'utf8');
    expect(printed.out).toBe(committed);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(committed));
    expect(validate(parse(QUICK_START))).toBe(true);
    expect(validate(parse(QUICK_START.replace('{ env: DOCS_TOKEN }', 'inline')))).toBe(false);
  });
});
