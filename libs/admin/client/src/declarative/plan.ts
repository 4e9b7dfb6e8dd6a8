import type { CurrentPerson, CurrentPolicy, CurrentTenant, CurrentUpstream } from './current-state';
import type {
  GatehouseFile,
  PersonEntry,
  PolicyEntry,
  TenantEntry,
  UpstreamEntry,
} from './gatehouse-file.schema';
import { describeRef } from './secret-ref';

export type ResourceKind = 'tenant' | 'upstream' | 'person' | 'policy';

export interface FieldChange {
  from: unknown;
  to: unknown;
}

interface ChangeBase {
  kind: ResourceKind;
  /** Slug of the tenant the resource belongs to (for a tenant: its own). */
  tenant: string;
  /** How the file names it: slug, email or rule name. */
  key: string;
}

export type Change =
  | (ChangeBase & {
      action: 'create';
      entry: TenantEntry | UpstreamEntry | PersonEntry | PolicyEntry;
    })
  | (ChangeBase & { action: 'update'; id: string; fields: Record<string, FieldChange> })
  /** Only carried out with --prune. */
  | (ChangeBase & { action: 'delete'; id: string });

/** Object keys sorted, so two equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function compare(
  current: Record<string, unknown>,
  desired: Record<string, unknown>,
): Record<string, FieldChange> {
  const fields: Record<string, FieldChange> = {};
  for (const [field, to] of Object.entries(desired))
    if (canonical(current[field]) !== canonical(to)) fields[field] = { from: current[field], to };
  return fields;
}

const sorted = (values: readonly string[]) => [...values].sort();

export function upstreamFields(entry: UpstreamEntry): Record<string, unknown> {
  return {
    name: entry.name ?? entry.slug,
    url: entry.url,
    enabled: entry.enabled,
    authMode: entry.authMode,
    annotationsTrusted: entry.annotationsTrusted,
    timeoutMs: entry.timeoutMs,
  };
}

export function policyFields(entry: PolicyEntry | CurrentPolicy): Record<string, unknown> {
  const targets = entry.targets as Record<string, unknown>;
  return {
    description: entry.description ?? '',
    effect: entry.effect,
    subjects: sorted(entry.subjects),
    targets: {
      upstream: targets['upstream'] ?? '*',
      tool: targets['tool'] ?? '*',
      ...(targets['risk'] ? { risk: sorted(targets['risk'] as string[]) } : {}),
    },
    condition: entry.condition ?? null,
    priority: entry.priority ?? 0,
    enabled: entry.enabled,
  };
}

function planUpstream(
  tenant: string,
  entry: UpstreamEntry,
  current: CurrentUpstream | undefined,
  updateCredentials: boolean,
): Change[] {
  if (!current) return [{ action: 'create', kind: 'upstream', tenant, key: entry.slug, entry }];
  const fields = compare(current as unknown as Record<string, unknown>, upstreamFields(entry));
  const credentials = entry.credentials;
  if (credentials === null && current.hasCredentials)
    fields['credentials'] = { from: '(set)', to: null };
  if (credentials && (!current.hasCredentials || updateCredentials)) {
    const refs = [
      ...(credentials.bearerToken
        ? [`bearerToken from ${describeRef(credentials.bearerToken)}`]
        : []),
      ...Object.entries(credentials.headers ?? {}).map(
        ([name, ref]) => `${name} from ${describeRef(ref)}`,
      ),
    ];
    fields['credentials'] = {
      from: current.hasCredentials ? '(set)' : '(none)',
      to: `(${refs.join(', ')})`,
    };
  }
  return Object.keys(fields).length === 0
    ? []
    : [{ action: 'update', kind: 'upstream', tenant, key: entry.slug, id: current.id, fields }];
}

function planPerson(
  tenant: string,
  entry: PersonEntry,
  current: CurrentPerson | undefined,
): Change[] {
  if (!current) return [{ action: 'create', kind: 'person', tenant, key: entry.email, entry }];
  const fields = compare(
    { name: current.name, roles: sorted(current.roles), status: current.status },
    { name: entry.name, roles: sorted(entry.roles), status: 'active' },
  );
  return Object.keys(fields).length === 0
    ? []
    : [{ action: 'update', kind: 'person', tenant, key: entry.email, id: current.id, fields }];
}

function planPolicy(
  tenant: string,
  entry: PolicyEntry,
  current: CurrentPolicy | undefined,
): Change[] {
  if (!current) return [{ action: 'create', kind: 'policy', tenant, key: entry.name, entry }];
  const fields = compare(policyFields(current), policyFields(entry));
  return Object.keys(fields).length === 0
    ? []
    : [{ action: 'update', kind: 'policy', tenant, key: entry.name, id: current.id, fields }];
}

function byKey<T>(
  items: T[],
  key: (item: T) => string,
  what: string,
  tenant: string,
): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    if (map.has(key(item)))
      throw new Error(
        `tenant ${tenant} has two ${what} named ${key(item)}: rename one before applying a file`,
      );
    map.set(key(item), item);
  }
  return map;
}

function planTenant(
  entry: TenantEntry,
  current: CurrentTenant | null,
  updateCredentials: boolean,
): Change[] {
  const t = entry.slug;
  const changes: Change[] = [];
  if (!current) changes.push({ action: 'create', kind: 'tenant', tenant: t, key: t, entry });
  else {
    const fields = compare(
      {
        name: current.name,
        status: current.status,
        ...(entry.settings ? { settings: current.settings } : {}),
      },
      {
        name: entry.name,
        status: 'active',
        ...(entry.settings ? { settings: entry.settings } : {}),
      },
    );
    if (Object.keys(fields).length > 0)
      changes.push({ action: 'update', kind: 'tenant', tenant: t, key: t, id: current.id, fields });
  }
  const upstreams = byKey(current?.upstreams ?? [], (u) => u.slug, 'upstreams', t);
  const people = byKey(current?.people ?? [], (p) => p.email.toLowerCase(), 'people', t);
  const policies = byKey(current?.policies ?? [], (p) => p.name, 'rules', t);
  for (const u of entry.upstreams)
    changes.push(...planUpstream(t, u, upstreams.get(u.slug), updateCredentials));
  for (const p of entry.people)
    changes.push(...planPerson(t, p, people.get(p.email.toLowerCase())));
  for (const p of entry.policies) changes.push(...planPolicy(t, p, policies.get(p.name)));
  // What the tenant has and the file does not: removed only with --prune. Platform admins are
  // never pruned (a file without them would lock everyone out); disabled people are gone already.
  const named = {
    upstreams: new Set(entry.upstreams.map((u) => u.slug)),
    people: new Set(entry.people.map((p) => p.email.toLowerCase())),
    policies: new Set(entry.policies.map((p) => p.name)),
  };
  for (const p of policies.values())
    if (!named.policies.has(p.name))
      changes.push({ action: 'delete', kind: 'policy', tenant: t, key: p.name, id: p.id });
  for (const u of upstreams.values())
    if (!named.upstreams.has(u.slug))
      changes.push({ action: 'delete', kind: 'upstream', tenant: t, key: u.slug, id: u.id });
  for (const p of people.values())
    if (
      !named.people.has(p.email.toLowerCase()) &&
      p.status === 'active' &&
      !p.roles.includes('platform-admin')
    )
      changes.push({ action: 'delete', kind: 'person', tenant: t, key: p.email, id: p.id });
  return changes;
}

/**
 * What applying `file` would change, tenant by tenant. Tenants the file does not name are never
 * touched: a file may manage some tenants of an installation.
 */
export function planChanges(
  file: GatehouseFile,
  current: ReadonlyMap<string, CurrentTenant | null>,
  options: { updateCredentials?: boolean } = {},
): Change[] {
  return file.tenants.flatMap((entry) =>
    planTenant(entry, current.get(entry.slug) ?? null, options.updateCredentials ?? false),
  );
}
