import {
  AdminClient,
  applyFilePlan,
  CliError,
  loadGatehouseFile,
  planFile,
  renderPlan,
} from '@gatehouse/admin-client';
import { BOOTSTRAP_EMAIL, BOOTSTRAP_TENANT, type Runtime } from '@gatehouse/app-kit';
import { generateToken } from '@gatehouse/auth';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const STARTUP_FILE = 'gatehouse.yaml';
const TOKEN_LIFETIME_MS = 10 * 60_000;

export interface StartupApplyResult {
  path: string;
  applied: number;
  /** The plan as printed. */
  plan: string;
}

/**
 * `npm start` with a gatehouse.yaml in the working directory: applies it through the admin API
 * (the same public routes as `gatehouse apply`, so it is authorised and audited) as the bootstrap
 * platform admin, with a token made for this apply alone and revoked right after. Never prunes.
 * A file that does not validate, or names a credential that is not set, stops the start.
 */
export async function applyStartupFile(
  runtime: Runtime,
  adminUrl: string,
  directory: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<StartupApplyResult | undefined> {
  const path = join(directory, STARTUP_FILE);
  if (!existsSync(path)) return undefined;
  const file = await loadGatehouseFile(path);
  const tenant = await runtime.repos.tenants.findByIdOrSlug(BOOTSTRAP_TENANT);
  const admin = tenant && (await runtime.repos.people.findByEmail(tenant.id, BOOTSTRAP_EMAIL));
  if (!tenant || !admin || admin.status !== 'active' || !admin.roles.includes('platform-admin'))
    throw new CliError(
      `${path}: the bootstrap platform admin (${BOOTSTRAP_EMAIL} in tenant ${BOOTSTRAP_TENANT}) is gone, so the file cannot be applied at start.`,
      1,
      'Move the file away and apply it with `gatehouse apply -f` and a platform-admin token.',
    );
  const token = generateToken();
  const row = await runtime.repos.tokens.create(tenant.id, {
    personId: admin.id,
    name: 'npm start: apply gatehouse.yaml',
    prefix: token.displayPrefix,
    hash: token.hash,
    scopes: ['admin:*'],
    expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS),
  });
  try {
    const client = new AdminClient({
      url: adminUrl,
      token: token.secret,
      tenant: BOOTSTRAP_TENANT,
    });
    const changes = await planFile(client, file);
    const applied = await applyFilePlan(client, file, changes, {
      prune: false,
      secrets: { env, baseDir: dirname(path) },
    });
    return { path, applied, plan: renderPlan(changes, false) };
  } finally {
    await runtime.repos.tokens.revoke(tenant.id, row.id);
  }
}
