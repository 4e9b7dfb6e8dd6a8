import type { Runtime } from '@gatehouse/app-kit';
import { createTestPerson, createTestTenant, type TestPerson } from './admin-test-env';

/** The callers of the authorization matrix, in the order they are tried. */
export const MATRIX_CALLERS = [
  'no token',
  'malformed token',
  'expired token',
  'revoked token',
  'token without admin scope',
  'member',
  'approver',
  'admin of this tenant',
  'admin of another tenant',
  'platform admin',
] as const;
export type MatrixCaller = (typeof MATRIX_CALLERS)[number];

export interface MatrixWorld {
  /** The tenant every route is called on. */
  tenant: { id: string; slug: string };
  other: { id: string; slug: string };
  member: TestPerson;
  tokenFor: Record<MatrixCaller, string | undefined>;
}

/**
 * Tenant A with a member, an approver, an admin and admins whose tokens are expired, revoked or
 * lack admin scopes; tenant B with its admin; a platform admin living in a third tenant.
 */
export async function createMatrixWorld(runtime: Runtime): Promise<MatrixWorld> {
  const [tenant, other, home] = await Promise.all([
    createTestTenant(runtime, 'a'),
    createTestTenant(runtime, 'b'),
    createTestTenant(runtime, 'home'),
  ]);
  const [member, approver, admin, otherAdmin, platform, expired, revoked, unscoped] =
    await Promise.all([
      createTestPerson(runtime, tenant.id, ['member']),
      createTestPerson(runtime, tenant.id, ['approver']),
      createTestPerson(runtime, tenant.id, ['admin']),
      createTestPerson(runtime, other.id, ['admin']),
      createTestPerson(runtime, home.id, ['platform-admin', 'admin']),
      createTestPerson(runtime, tenant.id, ['admin'], { expiresAt: new Date(Date.now() - 1000) }),
      createTestPerson(runtime, tenant.id, ['admin']),
      createTestPerson(runtime, tenant.id, ['admin'], { scopes: ['mcp:call'] }),
    ]);
  const revokedToken = (await runtime.repos.tokens.listForPerson(tenant.id, revoked.id)).items[0];
  if (revokedToken) await runtime.repos.tokens.revoke(tenant.id, revokedToken.id);
  return {
    tenant,
    other,
    member,
    tokenFor: {
      'no token': undefined,
      'malformed token': 'gth_not-a-real-token',
      'expired token': expired.token,
      'revoked token': revoked.token,
      'token without admin scope': unscoped.token,
      member: member.token,
      approver: approver.token,
      'admin of this tenant': admin.token,
      'admin of another tenant': otherAdmin.token,
      'platform admin': platform.token,
    },
  };
}
