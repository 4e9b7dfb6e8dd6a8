import type { Repositories } from '@gatehouse/data-access';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionResult {
  tenantsWithRetention: number;
  deleted: number;
}

function retentionDays(settings: unknown): number | null {
  if (typeof settings !== 'object' || settings === null) return null;
  const days = (settings as Record<string, unknown>)['retentionDays'];
  return typeof days === 'number' && Number.isFinite(days) && days > 0 ? days : null;
}

/**
 * Deletes, for every tenant whose settings name `retentionDays`, the events older than that
 * many days before `now`, in batches (short locks). Tenants without the setting keep all.
 */
export async function runRetention(
  repositories: Pick<Repositories, 'tenants' | 'auditEvents'>,
  now: Date,
  batchSize = 5000,
): Promise<RetentionResult> {
  const result: RetentionResult = { tenantsWithRetention: 0, deleted: 0 };
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof repositories.tenants.list>> =
      await repositories.tenants.list({ limit: 500, cursor });
    for (const tenant of page.items) {
      const days = retentionDays(tenant.settings);
      if (days === null) continue;
      result.tenantsWithRetention += 1;
      const before = new Date(now.getTime() - days * DAY_MS);
      result.deleted += await repositories.auditEvents.deleteOlderThan(
        tenant.id,
        before,
        batchSize,
      );
    }
    cursor = page.nextCursor;
  } while (cursor);
  return result;
}
