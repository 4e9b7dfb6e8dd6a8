import type { LimitsVersion } from '@gatehouse/data-access';
import { LimitsDocumentSchema, NO_LIMITS, type LimitsDocument } from '@gatehouse/policy';

export interface LimitsView {
  /** 0 while the tenant has never set limits. */
  version: number;
  limits: LimitsDocument;
  createdBy: string | null;
  createdAt: string | null;
}

export function limitsView(row: LimitsVersion | null): LimitsView {
  if (!row) return { version: 0, limits: NO_LIMITS, createdBy: null, createdAt: null };
  return {
    version: row.version,
    limits: LimitsDocumentSchema.parse(row.document),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}
