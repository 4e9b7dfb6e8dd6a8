import { AUDIT_DECISIONS, AUDIT_OUTCOMES } from '@gatehouse/audit-contracts';
import { z } from 'zod';
import { PageQuery } from '../common/page-query';

const Instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

/** Filters shared by the list and the export; `from` is inclusive, `to` exclusive. */
const AuditFilterFields = {
  person: z.uuid().optional(),
  session: z.string().min(1).max(256).optional(),
  upstream: z.string().min(1).max(256).optional(),
  /** Substring of the tool name. */
  tool: z.string().min(1).max(512).optional(),
  decision: z.enum(AUDIT_DECISIONS).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
};

export const AuditQuery = PageQuery.extend(AuditFilterFields);
export type AuditQuery = z.output<typeof AuditQuery>;

export const AUDIT_EXPORT_FORMATS = ['ndjson', 'csv'] as const;

export const AuditExportQuery = z.strictObject({
  ...AuditFilterFields,
  format: z.enum(AUDIT_EXPORT_FORMATS).default('ndjson'),
});
export type AuditExportQuery = z.output<typeof AuditExportQuery>;

/** Default range: the last 24 hours. */
export const AuditStatsQuery = z.strictObject({
  from: Instant.optional(),
  to: Instant.optional(),
});
export type AuditStatsQuery = z.output<typeof AuditStatsQuery>;

export type AuditFilterInput = Pick<
  AuditQuery,
  'person' | 'session' | 'upstream' | 'tool' | 'decision' | 'outcome' | 'from' | 'to'
>;
