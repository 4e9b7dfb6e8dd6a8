import type { AuditEvent, AuditOutcome, Prisma, PrismaClient } from '../generated/prisma/client';
import { DataAccessError } from '../errors';
import { decodeCursor, encodeCursor, pageSize, type Page, type PageRequest } from '../pagination';

/** One event as the audit-service writes it (id is the producer's UUIDv7). */
export type AuditEventInput = Prisma.AuditEventCreateManyInput;

export interface AuditEventFilter {
  personId?: string;
  sessionId?: string;
  upstream?: string;
  /** Substring match on the tool name. */
  tool?: string;
  decision?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
}

export interface ToolStats {
  upstream: string | null;
  tool: string | null;
  count: number;
  errors: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

function where(tenantId: string, f: AuditEventFilter): Prisma.AuditEventWhereInput {
  return {
    tenantId,
    ...(f.personId ? { personId: f.personId } : {}),
    ...(f.sessionId ? { sessionId: f.sessionId } : {}),
    ...(f.upstream ? { upstream: f.upstream } : {}),
    ...(f.tool ? { tool: { contains: f.tool } } : {}),
    ...(f.decision ? { decision: f.decision } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.from || f.to
      ? { time: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } }
      : {}),
  };
}

/** Keyset position (time desc, id desc): rows strictly after the cursor's event. */
function after(cursor: string | null | undefined): Prisma.AuditEventWhereInput {
  if (!cursor) return {};
  const { t, id } = decodeCursor(cursor, ['t', 'id'] as const);
  const time = new Date(t);
  if (Number.isNaN(time.getTime())) {
    throw new DataAccessError('INVALID_CURSOR', 'The audit cursor is damaged; restart the query.');
  }
  return { OR: [{ time: { lt: time } }, { time, id: { lt: id } }] };
}

export class AuditEventRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Batch insert for the audit-service; events carry their own tenantId. Idempotent on the
   * event id (redelivered stream entries are skipped). Returns how many rows were new.
   */
  async createMany(events: AuditEventInput[]): Promise<number> {
    if (events.length === 0) return 0;
    const { count } = await this.prisma.auditEvent.createMany({
      data: events,
      skipDuplicates: true,
    });
    return count;
  }

  get(tenantId: string, eventId: string): Promise<AuditEvent | null> {
    return this.prisma.auditEvent.findFirst({ where: { tenantId, id: eventId } });
  }

  /** Newest first, keyset-paginated on (time, id). */
  async query(
    tenantId: string,
    filter: AuditEventFilter = {},
    page: PageRequest = {},
  ): Promise<Page<AuditEvent>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.auditEvent.findMany({
      where: { AND: [where(tenantId, filter), after(page.cursor)] },
      orderBy: [{ time: 'desc' }, { id: 'desc' }],
      take: size + 1,
    });
    const items = rows.slice(0, size);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > size && last
          ? encodeCursor({ t: last.time.toISOString(), id: last.id })
          : null,
    };
  }

  /** Every matching event, newest first, read in batches (for NDJSON/CSV export). */
  async *stream(
    tenantId: string,
    filter: AuditEventFilter = {},
    batchSize = 500,
  ): AsyncGenerator<AuditEvent, void, undefined> {
    let cursor: string | null = null;
    do {
      const page: Page<AuditEvent> = await this.query(tenantId, filter, {
        limit: batchSize,
        cursor,
      });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** Counts, errors and latency percentiles per upstream/tool over [from, to). */
  async stats(tenantId: string, range: { from: Date; to: Date }): Promise<ToolStats[]> {
    const rows = await this.prisma.$queryRaw<
      {
        upstream: string | null;
        tool: string | null;
        count: bigint;
        errors: bigint;
        p50: number | null;
        p95: number | null;
      }[]
    >`
      SELECT upstream, tool,
             count(*) AS count,
             count(*) FILTER (WHERE outcome <> 'ok') AS errors,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
        FROM audit_events
       WHERE tenant_id = ${tenantId}::uuid AND time >= ${range.from} AND time < ${range.to}
       GROUP BY upstream, tool
       ORDER BY count(*) DESC, upstream, tool`;
    return rows.map((r) => ({
      upstream: r.upstream,
      tool: r.tool,
      count: Number(r.count),
      errors: Number(r.errors),
      p50LatencyMs: r.p50 === null ? null : Number(r.p50),
      p95LatencyMs: r.p95 === null ? null : Number(r.p95),
    }));
  }

  /** Retention: deletes events older than `before` in batches (short locks); returns the total. */
  async deleteOlderThan(tenantId: string, before: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.prisma.$executeRaw`
        DELETE FROM audit_events WHERE id IN (
          SELECT id FROM audit_events
           WHERE tenant_id = ${tenantId}::uuid AND time < ${before}
           LIMIT ${batchSize})`;
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
