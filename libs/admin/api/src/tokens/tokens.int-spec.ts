import { createTokenResolver } from '@gatehouse/app-kit';
import { AuthError } from '@gatehouse/auth';
import {
  createTestPerson,
  createTestTenant,
  startAdminTestEnv,
  type AdminTestEnv,
  type TestPerson,
} from '../testing/admin-test-env';

interface Created {
  token: { id: string; prefix: string; name: string; scopes: string[] };
  secret: string;
}

describe('tokens', () => {
  let env: AdminTestEnv;
  let tenant: { id: string; slug: string };
  let admin: TestPerson;
  let member: TestPerson;
  let base: string;

  beforeAll(async () => {
    env = await startAdminTestEnv();
    tenant = await createTestTenant(env.runtime);
    admin = await createTestPerson(env.runtime, tenant.id, ['admin']);
    member = await createTestPerson(env.runtime, tenant.id, ['member']);
    base = `/api/v1/tenants/${tenant.slug}`;
  });
  afterAll(async () => {
    await env.close();
  });

  async function createToken(owner: TestPerson, caller = admin, scopes = ['mcp:call']) {
    const response = await env.call('POST', `${base}/people/${owner.id}/tokens`, caller.token, {
      name: 'ci',
      scopes,
    });
    expect(response.status).toBe(201);
    return response.body as Created;
  }

  it('shows the secret once; lists never show the secret or the hash', async () => {
    const created = await createToken(member);
    expect(created.secret).toMatch(/^gth_[0-9A-Za-z]{49}$/);
    expect(created.secret.startsWith(created.token.prefix)).toBe(true);
    const list = await env.call('GET', `${base}/people/${member.id}/tokens`, admin.token);
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).toContain(created.token.id);
    expect(text).not.toContain(created.secret);
    expect(text).not.toMatch(/"hash"|"secret"/);
  });

  it('keeps only SHA-256 hashes in Postgres', async () => {
    const created = await createToken(member);
    const rows = await env.db.prisma.$queryRaw<Record<string, unknown>[]>`
      SELECT * FROM tokens WHERE id = ${created.token.id}::uuid`;
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row['hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(created.secret);
    const everything = await env.db.prisma.$queryRaw<{ dump: string }[]>`
      SELECT string_agg(t::text, ' ') AS dump FROM tokens t`;
    expect(everything[0]!.dump).not.toContain(created.secret);
  });

  it('revokes at once on another replica (its resolver cache is invalidated over Redis)', async () => {
    const created = await createToken(member);
    const replica = await env.replica();
    const resolver = await createTokenResolver(replica);
    try {
      expect((await resolver.resolveBearer(created.secret)).personId).toBe(member.id);
      expect((await resolver.resolveBearer(created.secret)).personId).toBe(member.id);
      expect(resolver.hits).toBe(1); // the second lookup came from the cache
      const revoke = await env.call('DELETE', `${base}/tokens/${created.token.id}`, admin.token);
      expect(revoke.status).toBe(200);
      await expect(resolveSoon(() => resolver.resolveBearer(created.secret))).resolves.toBe(
        'revoked_token',
      );
    } finally {
      await resolver.stop();
    }
  });

  it('disabling a person stops their tokens at once on another replica', async () => {
    const person = await createTestPerson(env.runtime, tenant.id, ['member']);
    const replica = await env.replica();
    const resolver = await createTokenResolver(replica);
    try {
      await resolver.resolveBearer(person.token);
      const disabled = await env.call('DELETE', `${base}/people/${person.id}`, admin.token);
      expect(disabled.status).toBe(200);
      await expect(resolveSoon(() => resolver.resolveBearer(person.token))).resolves.toBe(
        'disabled_person',
      );
    } finally {
      await resolver.stop();
    }
  });

  it('rotates: a new secret with the same name and scopes, the old one revoked', async () => {
    const created = await createToken(member);
    const rotated = await env.call(
      'POST',
      `${base}/tokens/${created.token.id}/rotate`,
      admin.token,
      {},
    );
    expect(rotated.status).toBe(201);
    const fresh = rotated.body as Created;
    expect(fresh.secret).not.toBe(created.secret);
    expect(fresh.token).toMatchObject({ name: 'ci', scopes: ['mcp:call'] });
    const old = await env.runtime.repos.tokens.findById(tenant.id, created.token.id);
    expect(old?.revokedAt).not.toBeNull();
    const again = await env.call(
      'POST',
      `${base}/tokens/${created.token.id}/rotate`,
      admin.token,
      {},
    );
    expect(again.status).toBe(409);
  });

  it("lets a person manage their own tokens but not anyone else's", async () => {
    const own = await createToken(member, member);
    const other = await createToken(admin);
    expect((await env.call('DELETE', `${base}/tokens/${own.token.id}`, member.token)).status).toBe(
      200,
    );
    expect(
      (await env.call('DELETE', `${base}/tokens/${other.token.id}`, member.token)).status,
    ).toBe(403);
    const listOthers = await env.call('GET', `${base}/people/${admin.id}/tokens`, member.token);
    expect(listOthers.status).toBe(403);
  });

  it('refuses to mint admin scopes the caller does not hold', async () => {
    const reader = await createTestPerson(env.runtime, tenant.id, ['admin'], {
      scopes: ['admin:write'],
    });
    const response = await env.call('POST', `${base}/people/${reader.id}/tokens`, reader.token, {
      name: 'escalate',
      scopes: ['admin:*'],
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      error: { code: 'FORBIDDEN', details: { refused: ['admin:*'] } },
    });
  });

  it('validates the body and names the bad fields', async () => {
    const response = await env.call('POST', `${base}/people/${member.id}/tokens`, admin.token, {
      name: '',
      scopes: [],
      expiresAt: '2001-01-01T00:00:00Z',
    });
    expect(response.status).toBe(400);
    const paths = (
      response.body as { error: { details: { issues: { path: string }[] } } }
    ).error.details.issues.map((i) => i.path);
    expect(paths.sort()).toEqual(['expiresAt', 'name', 'scopes']);
  });

  it('audits token changes with UUIDv7 ids and never the secret', async () => {
    const created = await createToken(member);
    await env.call('DELETE', `${base}/tokens/${created.token.id}`, admin.token);
    const events = await env.db.prisma.$queryRaw<
      { id: string; method: string; kind: string; details: unknown; person_id: string }[]
    >`SELECT id::text, method, kind::text, details, person_id::text FROM audit_events
      WHERE tenant_id = ${tenant.id}::uuid AND details->'target'->>'id' = ${created.token.id}
      ORDER BY id`;
    expect(events.map((e) => e.method)).toEqual(['admin.tokens.create', 'admin.tokens.revoke']);
    for (const event of events) {
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
      expect(event.kind).toBe('admin');
      expect(event.person_id).toBe(admin.id);
      expect(JSON.stringify(event.details)).not.toContain(created.secret);
    }
    expect(events[1]!.details).toMatchObject({
      before: { revokedAt: null },
      after: { id: created.token.id },
    });
  });
});

/** Polls until the resolver refuses (invalidation travels over Redis pub/sub); the code. */
async function resolveSoon(resolve: () => Promise<unknown>, withinMs = 1000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await resolve();
    } catch (error) {
      if (error instanceof AuthError) return error.code;
      throw error;
    }
    if (Date.now() > deadline) return 'still accepted after 1 s';
    await new Promise((r) => setTimeout(r, 20));
  }
}
