import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { ValidQuery } from '../common/validated';
import { AuditExportQuery, AuditQuery, AuditStatsQuery } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('tenants/:t/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access({ allow: 'tenant-member', scope: 'admin:read' })
  @ApiOperation({ summary: 'Audit events, newest first (non-admins: their own only)' })
  list(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidQuery(AuditQuery) query: AuditQuery,
  ) {
    return this.audit.list(caller, tenant, query);
  }

  @Get('export')
  @Access({ allow: 'tenant-member', scope: 'admin:read' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOperation({ summary: 'Stream every matching event as NDJSON or CSV (non-admins: own)' })
  export(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidQuery(AuditExportQuery) query: AuditExportQuery,
  ) {
    return this.audit.export(caller, tenant, query);
  }

  @Get('stats')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'Calls, denials, approvals, errors and p50/p95 latency per tool' })
  stats(@CurrentTenant() tenant: Tenant, @ValidQuery(AuditStatsQuery) query: AuditStatsQuery) {
    return this.audit.stats(tenant, query);
  }
}
