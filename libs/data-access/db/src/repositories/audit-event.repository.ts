import {
  Prisma,
  type AuditEvent,
  type AuditOutcome,
  type PrismaClient,
} from '../generated/prisma/client';
import { DataAccessError } from '../errors';
import { decodeCursor, encodeCursor, pageSize, type Page, type PageRequest } from '../pagination';
import {
  addToolHours,
  HOUR_MS,
  ROLLUP_COLUMNS,
  toolCallStats,
  toolHoursOf,
  type ToolCallStats,
} from './audit-tool-hours';
import { sqlHistogramCombine } from './latency-histogram';

export type { ToolCallStats } from './audit-tool-hours';

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every column, named as the Prisma model (the rows are AuditEvent). */
const COLUMNS = Prisma.sql`id, v, tenant_id AS "tenantId", time, kind::text AS kind,
  person_id AS "personId", token_id AS "tokenId", auth_issuer AS "authIssuer",
  auth_client_id AS "authClientId", session_id AS "sessionId", client_name AS "clientName", client_version AS "clientVersion", method, upstream, tool,
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
  createMany(events: AuditEventInput[]): Promise<number> {
    return events.length === 0
      ? Promise.resolve(0)
      : this.createManyFromJson(JSON.stringify(events));
  }

  /**
   * Same contract as createMany for a JSON array of events whose keys are the model's field
   * names (AuditEventInput, or validated v1 stream payloads; unknown keys are ignored), as one
   * statement: `INSERT … SELECT FROM jsonb_to_recordset($1) ON CONFLICT (id) DO NOTHING
   * RETURNING …`, and the returned rows (only those actually inserted, so a redelivered batch
   * counts nothing twice) added to the hourly rollup audit_tool_hours in the same statement.
   * ~50x less client CPU per row than Prisma 7's createMany (docs/benchmarks-audit.md).
   */
  async createManyFromJson(json: string): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ inserted: number }[]>`
      WITH inserted AS (
        INSERT INTO audit_events (id, v, tenant_id, time, kind, person_id, token_id,
          auth_issuer, auth_client_id, session_id,
          client_name, client_version, method, upstream, tool, decision, matched_rules, approval_id,
          outcome, error_code, latency_ms, trace_id, span_id, client_address, user_agent,
          arguments, result_summary, details)
        SELECT r."id", r."v", r."tenantId", r."time", r."kind"::audit_kind, r."personId", r."tokenId",
          r."authIssuer", r."authClientId", r."sessionId", r."clientName", r."clientVersion", r."method", r."upstream", r."tool",
          r."decision", r."matchedRules", r."approvalId", r."outcome"::audit_outcome, r."errorCode",
          r."latencyMs", r."traceId", r."spanId", r."clientAddress", r."userAgent", r."arguments",
          r."resultSummary", r."details"
        FROM jsonb_to_recordset(${json}::jsonb) AS r("id" uuid, "v" int, "tenantId" uuid,
          "time" timestamptz, "kind" text, "personId" uuid, "tokenId" uuid, "authIssuer" text,
          "authClientId" text, "sessionId" text,
          "clientName" text, "clientVersion" text, "method" text, "upstream" text, "tool" text,
          "decision" text, "matchedRules" text[], "approvalId" uuid, "outcome" text,
          "errorCode" int, "latencyMs" int, "traceId" text, "spanId" text, "clientAddress" text,
          "userAgent" text, "arguments" jsonb, "resultSummary" jsonb, "details" jsonb)
        ON CONFLICT (id) DO NOTHING
        RETURNING ${ROLLUP_COLUMNS}),
      rolled_up AS (${addToolHours(Prisma.sql`inserted`)})
      SELECT count(*)::int AS inserted FROM inserted`;
    return row?.inserted ?? 0;
  }

  /**
   * Recomputes the tenant's rollup hours that start in [from, to) from the events (whole UTC
   * hours; `from` is rounded down, `to` up), in one transaction. For backfills of past hours
   * (events written by a version without the rollup) and benchmarks: an event written into
   * those hours while this runs may be missed or counted twice. The write path keeps the rollup
   * current by itself. Returns how many rollup rows it wrote.
   */
  async rebuildToolHours(tenantId: string, range: { from: Date; to: Date }): Promise<number> {
    const from = new Date(Math.floor(range.from.getTime() / HOUR_MS) * HOUR_MS);
    const to = new Date(Math.ceil(range.to.getTime() / HOUR_MS) * HOUR_MS);
    const [, written] = await this.prisma.$transaction([
      this.prisma.$executeRaw`
        DELETE FROM audit_tool_hours WHERE tenant_id = ${tenantId}::uuid
           AND hour >= ${from}::timestamptz AND hour < ${to}::timestamptz`,
      this.prisma.$executeRaw(
        addToolHours(Prisma.sql`(
        SELECT ${ROLLUP_COLUMNS} FROM audit_events WHERE tenant_id = ${tenantId}::uuid
           AND time >= ${from}::timestamptz AND time < ${to}::timestamptz) AS events`),
      ),
    ]);
    return written;
  }

  /**
   * The earliest time the tenant's events or rollup rows hold (null: neither holds any), i.e.
   * where a rebuild of everything starts: rollup rows older than every event are stale too.
   */
  async earliestToolHourTime(tenantId: string): Promise<Date | null> {
    const [row] = await this.prisma.$queryRaw<{ earliest: Date | null }[]>`
      SELECT least(
        (SELECT min(time) FROM audit_events WHERE tenant_id = ${tenantId}::uuid),
        (SELECT min(hour) FROM audit_tool_hours WHERE tenant_id = ${tenantId}::uuid)) AS earliest`;
    return row?.earliest ?? null;
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
   * percentiles. Only MCP events naming a tool count; most calls first. Whole UTC hours are read
   * from the rollup audit_tool_hours (see toolCallStats for how, and how exact).
   */
  stats(tenantId: string, range: { from: Date; to: Date }): Promise<ToolCallStats[]> {
    return toolCallStats(this.prisma, tenantId, range);
  }

  /**
   * Retention: deletes events older than `before` in batches (short locks); returns the total.
   * Each batch subtracts the tool calls it deletes from the rollup in the same statement; the
   * rollup rows of the whole hours before `before` (and any row left at zero calls) go at the end.
   */
  async deleteOlderThan(tenantId: string, before: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const [row] = await this.prisma.$queryRaw<{ deleted: number }[]>`
        WITH deleted AS (
          DELETE FROM audit_events WHERE id IN (
            SELECT id FROM audit_events
             WHERE tenant_id = ${tenantId}::uuid AND time < ${before}
             LIMIT ${batchSize})
          RETURNING ${ROLLUP_COLUMNS}),
        gone AS (${toolHoursOf(Prisma.sql`deleted`)}),
        adjusted AS (
          UPDATE audit_tool_hours AS t SET
            calls = t.calls - gone.calls, denials = t.denials - gone.denials,
            approvals = t.approvals - gone.approvals, errors = t.errors - gone.errors,
            latency_histogram = ${sqlHistogramCombine('t.latency_histogram', '-', 'gone.latency_histogram')}
            FROM gone
           WHERE t.tenant_id = gone.tenant_id AND t.hour = gone.hour
             AND t.upstream = gone.upstream AND t.tool = gone.tool)
        SELECT count(*)::int AS deleted FROM deleted`;
      const deleted = row?.deleted ?? 0;
      total += deleted;
      if (deleted < batchSize) break;
    }
    await this.prisma.$executeRaw`
      DELETE FROM audit_tool_hours
       WHERE tenant_id = ${tenantId}::uuid
         AND (hour <= ${new Date(before.getTime() - HOUR_MS)}::timestamptz
              OR (hour < ${before}::timestamptz AND calls <= 0))`;
    return total;
  }
}
