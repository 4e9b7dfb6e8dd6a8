import type { AuditEventV1, JsonValue } from '@gatehouse/audit-contracts';
import type { AuditEventInput, AuditEventRepository, InputJsonValue } from '@gatehouse/data-access';

function json(value: JsonValue | undefined): InputJsonValue | undefined {
  // A top-level JSON null would need Prisma.JsonNull; "nothing stored" is the same fact.
  return value === undefined || value === null ? undefined : (value as InputJsonValue);
}

/** Maps a validated v1 event onto the audit_events row. */
export function toAuditEventRow(event: AuditEventV1): AuditEventInput {
  return {
    id: event.id,
    v: event.v,
    tenantId: event.tenantId,
    time: new Date(event.time),
    kind: event.kind,
    personId: event.personId ?? null,
    tokenId: event.tokenId ?? null,
    authIssuer: event.authIssuer ?? null,
    authClientId: event.authClientId ?? null,
    sessionId: event.sessionId ?? null,
    clientName: event.clientName ?? null,
    clientVersion: event.clientVersion ?? null,
    method: event.method,
    upstream: event.upstream ?? null,
    tool: event.tool ?? null,
    decision: event.decision ?? null,
    matchedRules: event.matchedRules,
    approvalId: event.approvalId ?? null,
    outcome: event.outcome,
    errorCode: event.errorCode ?? null,
    latencyMs: event.latencyMs ?? null,
    traceId: event.traceId ?? null,
    spanId: event.spanId ?? null,
    clientAddress: event.clientAddress ?? null,
    userAgent: event.userAgent ?? null,
    arguments: json(event.arguments),
    resultSummary: json(event.resultSummary),
    details: json(event.details),
  };
}

/** Prisma error codes of values Postgres will never accept, however often we retry. */
const PERMANENT_PRISMA_CODES = new Set([
  'P2000',
  'P2003',
  'P2005',
  'P2006',
  'P2007',
  'P2011',
  'P2023',
]);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * The reason when Postgres refused the data itself (SQLSTATE class 22 data exception or 23
 * integrity violation, e.g. an unknown tenant); null for everything else (connection lost,
 * database down, timeouts), which is worth retrying.
 */
export function rejectionReason(error: unknown): string | null {
  const cause = field(field(field(error, 'meta'), 'driverAdapterError'), 'cause');
  const sqlState = field(cause, 'originalCode');
  const code = field(error, 'code');
  const permanent =
    (typeof sqlState === 'string' && /^2[23]/.test(sqlState)) ||
    (typeof code === 'string' && PERMANENT_PRISMA_CODES.has(code));
  if (!permanent) return null;
  const message = field(cause, 'originalMessage') ?? field(error, 'message');
  return `REJECTED_BY_DATABASE: ${String(code)}/${String(sqlState)} ${String(message).slice(0, 500)}`;
}

/**
 * Where batches go: AuditEventRepository (createMany) or recordsetAuditStore, which also takes
 * items' `payload` (the validated event's JSON text) as it is; both write with
 * AuditEventRepository.createManyFromJson.
 */
export interface AuditBatchStore extends Pick<AuditEventRepository, 'createMany'> {
  createManyFromPayloads?(payloads: string[]): Promise<number>;
}

export interface WriteResult<T> {
  /** Rows new in Postgres (already stored ids are skipped). */
  inserted: number;
  /** Items Postgres refused for good, each with the reason. */
  rejected: { item: T; reason: string }[];
}

/**
 * Writes a batch with one statement (createMany, or the items' payloads when the store takes
 * them; both skip stored ids and count the new rows into the stats rollup). When Postgres refuses the data,
 * the batch is halved until the refused events are isolated, so one bad event never blocks
 * the others. Transient errors (Postgres down) are thrown for the caller to retry.
 */
export async function writeAuditBatch<T extends { event: AuditEventV1; payload?: string }>(
  repository: AuditBatchStore,
  items: T[],
): Promise<WriteResult<T>> {
  if (items.length === 0) return { inserted: 0, rejected: [] };
  try {
    const payloads = repository.createManyFromPayloads ? items.map((i) => i.payload) : [];
    const inserted =
      repository.createManyFromPayloads && payloads.every((p) => p !== undefined)
        ? await repository.createManyFromPayloads(payloads as string[])
        : await repository.createMany(items.map((i) => toAuditEventRow(i.event)));
    return { inserted, rejected: [] };
  } catch (error) {
    const reason = rejectionReason(error);
    if (reason === null) throw error;
    const [only] = items;
    if (items.length === 1 && only) return { inserted: 0, rejected: [{ item: only, reason }] };
    const middle = Math.ceil(items.length / 2);
    const first = await writeAuditBatch(repository, items.slice(0, middle));
    const second = await writeAuditBatch(repository, items.slice(middle));
    return {
      inserted: first.inserted + second.inserted,
      rejected: [...first.rejected, ...second.rejected],
    };
  }
}
