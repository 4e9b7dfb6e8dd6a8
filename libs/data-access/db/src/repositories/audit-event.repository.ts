import {
  Prisma,
  type AuditEvent,
  type AuditOutcome,
  type PrismaClient,
} from '../generated/prisma/client';
import { DataAccessError } from '../errors';
import { decodeCursor, encodeCursor, pageSize, type Page, type PageRequest } from '../pagination';

/** One event as the audit-service writes it (id is the producer's UUIDv7). */
export type AuditEventInput = Prisma.AuditEventCreateManyInput;

export interface AuditEventFilter {
  personId?: string;
  sessionId?: string;
  upstream?: string;
  /** Substring match on the tool name (case-sensitive; `%`, `_` and `\` match themselves). */
  tool?: string;
  decision?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
}

/** Tool-call statistics of one upstream/tool over a time range (GET …/audit/stats). */
export interface ToolCallStats {
  upstream: string | null;
  tool: string;
  calls: number;
  /** decision deny. */
  denials: number;
  /** decision require_approval. */
  approvals: number;
  /** outcome error, upstream_error or timed_out. */
  errors: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every column, named as the Prisma model (the rows are AuditEvent). */
const COLUMNS = Prisma.sql`id, v, tenant_id AS "tenantId", time, kind::text AS kind,
  person_id AS "personId", token_id AS "tokenId", session_id AS "sessionId",
  client_name AS "clientName", client_version AS "clientVersion", method, upstream, tool,
  decision, matched_rules AS "matchedRules", approval_id AS "approvalId",
  outcome::text AS outcome, error_code AS "errorCode", latency_ms AS "latencyMs",
  trace_id AS "traceId", span_id AS "spanId", client_address AS "clientAddress",
  user_agent AS "userAgent", arguments, result_summary AS "resultSummary", details`;

/** `%`, `_` and the escape character itself match literally. */
function likeSubstring(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * `tools`: the tenant's tool names containing `f.tool` (see toolsMatching), so that the
 * substring filter is an equality Postgres can take to the (tenant_id, tool, time) index.
 */
function conditions(tenantId: string, f: AuditEventFilter, tools: string[] = []): Prisma.Sql[] {
  const all = [Prisma.sql`tenant_id = ${tenantId}::uuid`];
  if (f.personId) all.push(Prisma.sql`person_id = ${f.personId}::uuid`);
  if (f.sessionId) all.push(Prisma.sql`session_id = ${f.sessionId}`);
  if (f.upstream) all.push(Prisma.sql`upstream = ${f.upstream}`);
  if (f.tool && tools.length === 1) all.push(Prisma.sql`tool = ${tools[0]}`);
  else if (f.tool) all.push(Prisma.sql`tool = ANY(${tools}::text[])`);
  if (f.decision) all.push(Prisma.sql`decision = ${f.decision}`);
  if (f.outcome) all.push(Prisma.sql`outcome = ${f.outcome}::audit_outcome`);
  if (f.from) all.push(Prisma.sql`time >= ${f.from}::timestamptz`);
  if (f.to) all.push(Prisma.sql`time < ${f.to}::timestamptz`);
  return all;
}

/**
 * Keyset position (time desc, id desc): rows strictly after the cursor's event, as one row
 * comparison, so that Postgres reads the (tenant_id, time desc, id desc) index as one range
 * starting at the cursor (an `OR` of the two cases would be a filter over every newer row).
 */
function after(cursor: string | null | undefined): Prisma.Sql[] {
  if (!cursor) return [];
  const { t, id } = decodeCursor(cursor, ['t', 'id'] as const);
  const time = new Date(t);
  if (Number.isNaN(time.getTime()) || !UUID.test(id)) {
    throw new DataAccessError('INVALID_CURSOR', 'The audit cursor is damaged; restart the query.');
  }
  return [Prisma.sql`(time, id) < (${time}::timestamptz, ${id}::uuid)`];
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
    const tools = filter.tool ? await this.toolsMatching(tenantId, filter.tool) : [];
    return this.page(tenantId, filter, page.cursor, pageSize(page.limit), tools);
  }

  /**
   * The tenant's distinct tool names that contain `substring`, read as a loose index scan of
   * (tenant_id, tool, time): one index descent per distinct tool (tens to a few hundred per
   * tenant), however many events there are. A `LIKE '%…%'` on the events themselves has no
   * index to use: a substring matching nothing read every event of the tenant (2-3 s at 5M).
   */
  private async toolsMatching(tenantId: string, substring: string): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ tool: string }[]>`
      WITH RECURSIVE tools AS (
        (SELECT tool FROM audit_events
          WHERE tenant_id = ${tenantId}::uuid AND tool IS NOT NULL ORDER BY tool LIMIT 1)
        UNION ALL
        SELECT (SELECT e.tool FROM audit_events e
                 WHERE e.tenant_id = ${tenantId}::uuid AND e.tool > tools.tool
                 ORDER BY e.tool LIMIT 1)
          FROM tools WHERE tools.tool IS NOT NULL)
      SELECT tool FROM tools WHERE tool LIKE ${likeSubstring(substring)}`;
    return rows.map((r) => r.tool);
  }

  private async page(
    tenantId: string,
    filter: AuditEventFilter,
    cursor: string | null | undefined,
    size: number,
    tools: string[],
  ): Promise<Page<AuditEvent>> {
    const keyset = after(cursor); // a damaged cursor is refused even if nothing matches
    if (filter.tool && tools.length === 0) return { items: [], nextCursor: null };
    const where = Prisma.join([...conditions(tenantId, filter, tools), ...keyset], ' AND ');
    const rows = await this.prisma.$queryRaw<AuditEvent[]>`
      SELECT ${COLUMNS} FROM audit_events
       WHERE ${where}
       ORDER BY time DESC, id DESC
       LIMIT ${size + 1}`;
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

  /**
   * Every matching event, newest first, read in batches of `batchSize` (not capped at the API's
   * MAX_PAGE_SIZE) for NDJSON/CSV export.
   */
  async *stream(
    tenantId: string,
    filter: AuditEventFilter = {},
    batchSize = 500,
  ): AsyncGenerator<AuditEvent, void, undefined> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new DataAccessError('INVALID_ARGUMENT', `batchSize must be a positive integer.`);
    }
    const tools = filter.tool ? await this.toolsMatching(tenantId, filter.tool) : [];
    let cursor: string | null = null;
    do {
      const page: Page<AuditEvent> = await this.page(tenantId, filter, cursor, batchSize, tools);
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  /**
   * Tool calls per upstream and tool over [from, to): calls, denials (decision deny), approvals
   * (decision require_approval), errors (error, upstream_error, timed_out) and latency
   * percentiles. Only MCP events naming a tool count; most calls first.
   */
  async stats(tenantId: string, range: { from: Date; to: Date }): Promise<ToolCallStats[]> {
    const rows = await this.prisma.$queryRaw<
      {
        upstream: string | null;
        tool: string;
        calls: bigint;
        denials: bigint;
        approvals: bigint;
        errors: bigint;
        p50: number | null;
        p95: number | null;
      }[]
    >`
      SELECT upstream, tool,
             count(*) AS calls,
             count(*) FILTER (WHERE decision = 'deny') AS denials,
             count(*) FILTER (WHERE decision = 'require_approval') AS approvals,
             count(*) FILTER (WHERE outcome IN ('error', 'upstream_error', 'timed_out')) AS errors,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
        FROM audit_events
       WHERE tenant_id = ${tenantId}::uuid AND kind = 'mcp' AND tool IS NOT NULL
         AND time >= ${range.from}::timestamptz AND time < ${range.to}::timestamptz
       GROUP BY upstream, tool
       ORDER BY count(*) DESC, upstream, tool`;
    return rows.map((r) => ({
      upstream: r.upstream,
      tool: r.tool,
      calls: Number(r.calls),
      denials: Number(r.denials),
      approvals: Number(r.approvals),
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
