import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { ValidBody, ValidQuery } from '../common/validated';
import { DecideApprovalDto, ListApprovalsQuery } from './approval.dto';
import { ApprovalsService } from './approvals.service';

@ApiTags('approvals')
@Controller('tenants/:t/approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get()
  @Access({ allow: 'tenant-approver', scope: 'admin:read' })
  @ApiOperation({ summary: 'List approvals, optionally by status (e.g. ?status=pending)' })
  list(@CurrentTenant() tenant: Tenant, @ValidQuery(ListApprovalsQuery) query: ListApprovalsQuery) {
    return this.approvals.list(tenant, query);
  }

  @Get(':id')
  @Access({ allow: 'tenant-approver', scope: 'admin:read' })
  @ApiOperation({ summary: 'Get an approval with the exact arguments of the held call' })
  get(@CurrentTenant() tenant: Tenant, @Param('id') id: string) {
    return this.approvals.get(tenant, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Access({ allow: 'tenant-approver', scope: 'admin:write' })
  @ApiOperation({ summary: 'Approve a held call (never your own); the gateway then runs it once' })
  approve(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @ValidBody(DecideApprovalDto) body: DecideApprovalDto,
  ) {
    return this.approvals.decide(caller, tenant, id, 'approved', body);
  }

  @Post(':id/deny')
  @HttpCode(200)
  @Access({ allow: 'tenant-approver', scope: 'admin:write' })
  @ApiOperation({ summary: 'Deny a held call (never your own)' })
  deny(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('id') id: string,
    @ValidBody(DecideApprovalDto) body: DecideApprovalDto,
  ) {
    return this.approvals.decide(caller, tenant, id, 'denied', body);
  }
}
