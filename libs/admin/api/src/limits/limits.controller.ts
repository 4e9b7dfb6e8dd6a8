import { Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { PageQuery } from '../common/page-query';
import { ValidBody, ValidQuery } from '../common/validated';
import { LimitsUsageQuery, PutLimitsDto } from './limits.dto';
import { LimitsService } from './limits.service';

@ApiTags('limits')
@Controller('tenants/:t/limits')
export class LimitsController {
  constructor(private readonly limits: LimitsService) {}

  @Get()
  @Access({ allow: 'tenant-approver', scope: 'admin:read' })
  @ApiOperation({ summary: "The tenant's rate limits, concurrency limits and quotas in force" })
  get(@CurrentTenant() tenant: Tenant) {
    return this.limits.get(tenant);
  }

  @Put()
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Replace the limits document (validated; new version; audited)' })
  put(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidBody(PutLimitsDto) body: PutLimitsDto,
  ) {
    return this.limits.put(caller, tenant, body);
  }

  @Get('usage')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({
    summary: 'Quota usage today and this month (UTC): the tenant, optionally a person',
  })
  usage(@CurrentTenant() tenant: Tenant, @ValidQuery(LimitsUsageQuery) query: LimitsUsageQuery) {
    return this.limits.usage(tenant, query);
  }

  @Get('versions')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'List limits versions, newest first' })
  listVersions(@CurrentTenant() tenant: Tenant, @ValidQuery(PageQuery) query: PageQuery) {
    return this.limits.listVersions(tenant, query);
  }

  @Get('versions/:version')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'The limits as they were at one version' })
  getVersion(@CurrentTenant() tenant: Tenant, @Param('version') version: string) {
    return this.limits.getVersion(tenant, version);
  }
}
