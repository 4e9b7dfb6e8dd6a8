import type { CurrentTenant } from './current-state';
import { GatehouseFile } from './gatehouse-file.schema';
import { planChanges } from './plan';

const current: CurrentTenant = {
  id: 't1',
  slug: 'acme',
  name: 'Acme',
  status: 'active',
  settings: { hideChangedTools: true },
  upstreams: [
    {
      id: 'u1',
      slug: 'docs',
      name: 'docs',
      url: 'http://d/mcp',
      enabled: true,
      authMode: 'shared',
      annotationsTrusted: false,
      timeoutMs: null,
      hasCredentials: true,
    },
  ],
  people: [
    {
      id: 'p1',
      email: 'Bob@Example.com',
      name: 'Bob',
      roles: ['member', 'approver'],
      status: 'active',
    },
    {
      id: 'p2',
      email: 'root@example.com',
      name: 'Root',
      roles: ['platform-admin'],
      status: 'active',
    },
    { id: 'p3', email: 'gone@example.com', name: 'Gone', roles: ['member'], status: 'disabled' },
  ],
  policies: [
    {
      id: 'r1',
      name: 'read',
      description: '',
      effect: 'allow',
      subjects: ['role:member', '*'],
      targets: { upstream: '*', tool: '*' },
      condition: null,
      priority: 0,
      enabled: true,
    },
  ],
};

const file = (tenant: Record<string, unknown>) =>
  GatehouseFile.parse({ version: 1, tenants: [{ slug: 'acme', name: 'Acme', ...tenant }] });

describe('planChanges', () => {
  it('sees no change when the file says the same with defaults left out and lists in another order', () => {
    const same = file({
      upstreams: [{ slug: 'docs', url: 'http://d/mcp' }],
      people: [
        { email: 'bob@example.com', name: 'Bob', roles: ['approver', 'member'] },
        { email: 'root@example.com', name: 'Root', roles: ['platform-admin'] },
      ],
      policies: [{ name: 'read', effect: 'allow', subjects: ['*', 'role:member'] }],
    });
    expect(planChanges(same, new Map([['acme', current]]))).toEqual([]);
  });

  it('names each changed field with its old and new value', () => {
    const changed = file({
      settings: { hideChangedTools: false },
      upstreams: [{ slug: 'docs', url: 'http://d/mcp', timeoutMs: 5000, credentials: null }],
      people: [{ email: 'bob@example.com', name: 'Bob', roles: ['member'] }],
      policies: [
        { name: 'read', effect: 'deny', subjects: ['*', 'role:member'], condition: 'true' },
      ],
    });
    const changes = planChanges(changed, new Map([['acme', current]]));
    expect(changes.filter((c) => c.action === 'update')).toEqual([
      expect.objectContaining({
        kind: 'tenant',
        fields: { settings: { from: { hideChangedTools: true }, to: { hideChangedTools: false } } },
      }),
      expect.objectContaining({
        kind: 'upstream',
        fields: { timeoutMs: { from: null, to: 5000 }, credentials: { from: '(set)', to: null } },
      }),
      expect.objectContaining({
        kind: 'person',
        fields: { roles: { from: ['approver', 'member'], to: ['member'] } },
      }),
      expect.objectContaining({
        kind: 'policy',
        fields: { effect: { from: 'allow', to: 'deny' }, condition: { from: null, to: 'true' } },
      }),
    ]);
  });

  it("switches an upstream's auth mode, removing its shared credentials in the same change", () => {
    const personal = file({
      upstreams: [
        { slug: 'docs', url: 'http://d/mcp', authMode: 'per-person-secret', credentials: null },
      ],
    });
    const update = planChanges(personal, new Map([['acme', current]])).find(
      (c) => c.action === 'update' && c.kind === 'upstream',
    );
    expect(update).toMatchObject({
      fields: {
        authMode: { from: 'shared', to: 'per-person-secret' },
        credentials: { from: '(set)', to: null },
      },
    });
  });

  it('proposes removals of what the file lacks, but never a platform admin or someone already disabled', () => {
    const empty = file({});
    const removals = planChanges(empty, new Map([['acme', current]])).filter(
      (c) => c.action === 'delete',
    );
    expect(removals.map((c) => `${c.kind} ${c.key}`)).toEqual([
      'policy read',
      'upstream docs',
      'person Bob@Example.com',
    ]);
  });

  it('re-sends credentials only when the upstream has none or when asked to', () => {
    const withRef = file({
      upstreams: [
        { slug: 'docs', url: 'http://d/mcp', credentials: { bearerToken: { env: 'T' } } },
      ],
    });
    const state = new Map([['acme', current]]);
    const updates = (update: boolean) =>
      planChanges(withRef, state, { updateCredentials: update }).filter(
        (c) => c.action === 'update',
      );
    expect(updates(false)).toEqual([]);
    expect(updates(true)).toEqual([
      expect.objectContaining({
        fields: { credentials: { from: '(set)', to: '(bearerToken from env T)' } },
      }),
    ]);
  });

  it('creates a tenant the installation lacks with everything in it', () => {
    const fresh = file({ upstreams: [{ slug: 'docs', url: 'http://d/mcp' }] });
    expect(
      planChanges(fresh, new Map([['acme', null]])).map((c) => `${c.action} ${c.kind}`),
    ).toEqual(['create tenant', 'create upstream']);
  });

  it('refuses a file with the same rule name twice', () => {
    expect(() =>
      file({
        policies: [
          { name: 'a', effect: 'allow', subjects: ['*'] },
          { name: 'a', effect: 'deny', subjects: ['*'] },
        ],
      }),
    ).toThrow(/duplicate policy a/);
  });
});
