import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import type { AuditEventFilter, Tenant, ToolCallStats } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import type { Caller } from '../auth/admin-request';
import { isTenantAdmin } from '../auth/tenant-roles';
import { AdminError } from '../common/admin-error';
import type { PageOf } from '../common/page-query';
import { auditEventView, type AuditEventView } from './audit-event.view';
import { csvExport, ndjsonExport } from './audit-export';
import { totalsOf, type CallTotals } from './audit-stats';
import type { AuditExportQuery, AuditFilterInput, AuditQuery, AuditStatsQuery } from './audit.dto';

/** Rows per database round trip of an export. */
const EXPORT_BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface AuditStatsView {
  from: string;
  to: string;
  totals: CallTotals;
  tools: ToolCallStats[];
}

/**
 * The tenant's audit trail. Admins (and platform admins) see every event of the tenant; anyone
 * else sees only their own: the person filter is forced to them, and naming someone else is
 * refused rather than silently ignored.
 */
@Injectable()
export class AuditService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async list(caller: Caller, tenant: Tenant, query: AuditQuery): Promise<PageOf<AuditEventView>> {
    const page = await this.runtime.repos.auditEvents.query(
      tenant.id,
      this.filterFor(caller, query),
      { limit: query.limit, cursor: query.cursor ?? null },
    );
    return { items: page.items.map(auditEventView), nextCursor: page.nextCursor };
  }

  export(caller: Caller, tenant: Tenant, query: AuditExportQuery): StreamableFile {
    const events = this.runtime.repos.auditEvents.stream(
      tenant.id,
      this.filterFor(caller, query),
      EXPORT_BATCH,
    );
    const file = `audit-${tenant.slug}-${new Date().toISOString().slice(0, 10)}.${query.format}`;
    return query.format === 'csv'
      ? new StreamableFile(csvExport(events), {
          type: 'text/csv; charset=utf-8',
          disposition: `attachment; filename="${file}"`,
        })
      : new StreamableFile(ndjsonExport(events), {
          type: 'application/x-ndjson',
          disposition: `attachment; filename="${file}"`,
        });
  }

  async stats(tenant: Tenant, query: AuditStatsQuery): Promise<AuditStatsView> {
    const to = query.to ?? new Date();
    const from = query.from ?? new Date(to.getTime() - DAY_MS);
    if (from >= to) {
      throw new AdminError('VALIDATION_FAILED', '`from` must be before `to`.', {
        issues: [{ path: 'from', message: 'must be before to' }],
      });
    }
    const tools = await this.runtime.repos.auditEvents.stats(tenant.id, { from, to });
    return { from: from.toISOString(), to: to.toISOString(), totals: totalsOf(tools), tools };
  }

  private filterFor(caller: Caller, query: AuditFilterInput): AuditEventFilter {
    const { identity } = caller;
    if (
      !isTenantAdmin(identity) &&
      query.person !== undefined &&
      query.person !== identity.personId
    ) {
      throw new AdminError(
        'FORBIDDEN',
        'Only admins of this tenant may read the events of others.',
        {
          allowed: 'own events',
        },
      );
    }
    const person = isTenantAdmin(identity) ? query.person : identity.personId;
    return {
      ...(person !== undefined ? { personId: person } : {}),
      ...(query.session !== undefined ? { sessionId: query.session } : {}),
      ...(query.upstream !== undefined ? { upstream: query.upstream } : {}),
      ...(query.tool !== undefined ? { tool: query.tool } : {}),
      ...(query.decision !== undefined ? { decision: query.decision } : {}),
      ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
    };
  }
}
