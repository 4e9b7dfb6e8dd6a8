import type { AdminClient } from '../api-client';
import type { PersonEntry, PolicyEntry, TenantEntry, UpstreamEntry } from './gatehouse-file.schema';
import type { Change } from './plan';
import { policyFields, upstreamFields } from './plan';
import { resolveCredentials, type SecretSource } from './secret-ref';

export interface ApplyOptions {
  prune: boolean;
  secrets: SecretSource;
  /** Called after each change is made (progress lines). */
  onApplied?: (change: Change) => void;
}

function policyBody(entry: PolicyEntry): Record<string, unknown> {
  const { condition, description, ...fields } = policyFields(entry);
  return {
    name: entry.name,
    ...fields,
    ...(description ? { description } : {}),
    ...(condition ? { condition } : {}),
  };
}

async function createBody(
  change: Extract<Change, { action: 'create' }>,
  secrets: SecretSource,
): Promise<Record<string, unknown>> {
  switch (change.kind) {
    case 'tenant': {
      const entry = change.entry as TenantEntry;
      return {
        slug: entry.slug,
        name: entry.name,
        ...(entry.settings ? { settings: entry.settings } : {}),
      };
    }
    case 'upstream': {
      const entry = change.entry as UpstreamEntry;
      const where = `tenant ${change.tenant} upstream ${entry.slug}`;
      return {
        slug: entry.slug,
        ...upstreamFields(entry),
        ...(entry.credentials
          ? { credentials: await resolveCredentials(entry.credentials, secrets, where) }
          : {}),
      };
    }
    case 'person': {
      const entry = change.entry as PersonEntry;
      return { email: entry.email, name: entry.name, roles: entry.roles };
    }
    case 'policy':
      return policyBody(change.entry as PolicyEntry);
  }
}

async function updateBody(
  change: Extract<Change, { action: 'update' }>,
  desired: UpstreamEntry | undefined,
  secrets: SecretSource,
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = Object.fromEntries(
    Object.entries(change.fields).map(([f, { to }]) => [f, to]),
  );
  if (change.kind === 'policy') {
    // The API removes a description or condition with null.
    if (body['description'] === '') body['description'] = null;
  }
  if (change.kind === 'upstream' && 'credentials' in body && desired?.credentials)
    body['credentials'] = await resolveCredentials(
      desired.credentials,
      secrets,
      `tenant ${change.tenant} upstream ${change.key}`,
    );
  return body;
}

const CREATE = {
  tenant: 'createTenant',
  upstream: 'createUpstream',
  person: 'createPerson',
  policy: 'createPolicy',
} as const;
const UPDATE = {
  tenant: 'updateTenant',
  upstream: 'updateUpstream',
  person: 'updatePerson',
  policy: 'updatePolicy',
} as const;
const DELETE = {
  tenant: 'disableTenant',
  upstream: 'deleteUpstream',
  person: 'disablePerson',
  policy: 'deletePolicy',
} as const;
const ID_PARAM = { tenant: 't', upstream: 'upstreamId', person: 'p', policy: 'policyId' } as const;

/**
 * Carries out the plan through the public admin API, in order (tenants before what they hold);
 * removals only with prune. Stops at the first refusal: what was applied before it stays, and a
 * second apply continues from there.
 */
export async function applyPlan(
  client: AdminClient,
  changes: Change[],
  upstreamEntries: ReadonlyMap<string, UpstreamEntry>,
  options: ApplyOptions,
): Promise<number> {
  let applied = 0;
  for (const change of changes) {
    const params = { t: change.tenant };
    if (change.action === 'create') {
      await client.call(CREATE[change.kind], {
        params,
        body: await createBody(change, options.secrets),
      });
    } else if (change.action === 'update') {
      const desired = upstreamEntries.get(`${change.tenant}/${change.key}`);
      const body = await updateBody(change, desired, options.secrets);
      await client.call(UPDATE[change.kind], {
        params: { ...params, [ID_PARAM[change.kind]]: change.id },
        body,
      });
    } else {
      if (!options.prune) continue;
      await client.call(DELETE[change.kind], {
        params: { ...params, [ID_PARAM[change.kind]]: change.id },
      });
    }
    applied++;
    options.onApplied?.(change);
  }
  return applied;
}
