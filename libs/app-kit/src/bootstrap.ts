import { fromSecret, generateToken } from '@gatehouse/auth';
import { DataAccessError } from '@gatehouse/data-access';
import type { Runtime } from './runtime';

export const BOOTSTRAP_TENANT = 'default';
export const BOOTSTRAP_EMAIL = 'admin@localhost';

export interface BootstrapResult {
  created: boolean;
  /** The new platform-admin token, when one was generated now (shown once, never stored). */
  secret?: string;
}

/**
 * First start on an empty database: one tenant, one platform admin and a token for them, so a
 * person can go on at once. The token is GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN when set (CI, Helm),
 * else generated and returned to be printed once. Safe when replicas start together: the
 * tenant's unique slug lets exactly one of them create it.
 */
export async function bootstrapIfEmpty(runtime: Runtime): Promise<BootstrapResult> {
  const { tenants, people, tokens, policies } = runtime.repos;
  const existing = await tenants.list({ limit: 1 });
  if (existing.items.length > 0) return { created: false };
  let tenant;
  try {
    tenant = await tenants.create({ slug: BOOTSTRAP_TENANT, name: 'Default tenant' });
  } catch (error) {
    if (error instanceof DataAccessError && error.code === 'CONFLICT') return { created: false };
    throw error;
  }
  const person = await people.create(tenant.id, {
    email: BOOTSTRAP_EMAIL,
    name: 'Platform admin',
    roles: ['platform-admin', 'admin'],
  });
  const supplied = runtime.config.GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN;
  const token = supplied ? fromSecret(supplied) : generateToken();
  await tokens.create(tenant.id, {
    personId: person.id,
    name: 'bootstrap',
    prefix: token.displayPrefix,
    hash: token.hash,
    scopes: ['admin:*', 'mcp:call'],
  });
  // Without any rule every call is denied; admins of the first tenant may call everything
  // until someone writes real policies.
  await policies.create(
    tenant.id,
    {
      name: 'admins-may-call-everything',
      description:
        'Starter rule created at bootstrap: admins of this tenant may call every tool. Replace it with your own policies.',
      effect: 'allow',
      subjects: ['role:admin'],
      targets: { upstream: '*', tool: '*' },
    },
    'bootstrap',
  );
  runtime.logger.info(
    { tenant: tenant.slug, email: BOOTSTRAP_EMAIL },
    'bootstrapped an empty database',
  );
  return supplied ? { created: true } : { created: true, secret: token.secret };
}
