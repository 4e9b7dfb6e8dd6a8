import type { Runtime } from '@gatehouse/app-kit';
import type { InputJsonValue } from '@gatehouse/data-access';
import { v7 as uuidv7 } from 'uuid';
import type { Caller } from '../auth/admin-request';

export interface AdminChange {
  /** Tenant the change belongs to (for a new tenant: that tenant). */
  tenantId: string;
  /** `admin.<area>.<verb>`, e.g. `admin.tokens.create`. */
  method: string;
  /** What was changed, e.g. `{ type: 'token', id }`. */
  target: { type: string; id: string };
  /** API views of the row before and after: never secrets, hashes or credentials. */
  before: object | null;
  after: object | null;
}

/**
 * Records one admin change. Today a row in audit_events (kind `admin`); when admin changes join
 * the audit stream, only this function changes.
 */
export async function recordAdminChange(
  runtime: Pick<Runtime, 'repos'>,
  caller: Caller,
  change: AdminChange,
): Promise<void> {
  const details = JSON.parse(
    JSON.stringify({
      actor: {
        personId: caller.identity.personId,
        tenantId: caller.identity.tenantId,
        email: caller.identity.email,
        via: caller.identity.via,
      },
      target: change.target,
      before: change.before,
      after: change.after,
    }),
  ) as InputJsonValue;
  await runtime.repos.auditEvents.createMany([
    {
      id: uuidv7(),
      v: 1,
      tenantId: change.tenantId,
      time: new Date(),
      kind: 'admin',
      personId: caller.identity.personId,
      tokenId: caller.identity.tokenId,
      authIssuer: caller.identity.issuer ?? null,
      authClientId: caller.identity.clientId ?? null,
      method: change.method,
      matchedRules: [],
      outcome: 'ok',
      clientAddress: caller.clientAddress,
      userAgent: caller.userAgent ?? null,
      traceId: caller.requestId,
      details,
    },
  ]);
}
