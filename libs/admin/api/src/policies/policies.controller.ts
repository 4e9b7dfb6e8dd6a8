import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { PageQuery } from '../common/page-query';
import { ValidBody, ValidQuery } from '../common/validated';
import { PoliciesService } from './policies.service';
import { PolicySimulationService } from './policy-simulation.service';
import { CreatePolicyDto, SimulatePolicyDto, UpdatePolicyDto } from './policy.dto';

@ApiTags('policies')
@Controller('tenants/:t/policies')
export class PoliciesController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly simulation: PolicySimulationService,
  ) {}

  @Post()
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Create a policy rule (CEL condition type-checked; new version)' })
  create(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidBody(CreatePolicyDto) body: CreatePolicyDto,
  ) {
    return this.policies.create(caller, tenant, body);
  }

  @Get()
  @Access({ allow: 'tenant-approver', scope: 'admin:read' })
  @ApiOperation({ summary: "List the tenant's rules in evaluation order, with the policy version" })
  list(@CurrentTenant() tenant: Tenant) {
    return this.policies.list(tenant);
  }

  @Post('simulate')
  @HttpCode(200)
  @Access({ allow: 'tenant-member', scope: 'admin:read' })
  @ApiOperation({ summary: 'Decide a hypothetical tool call (non-admins: only for themselves)' })
  simulate(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidBody(SimulatePolicyDto) body: SimulatePolicyDto,
  ) {
    return this.simulation.simulate(caller, tenant, body);
  }

  @Get('versions')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'List policy versions, newest first' })
  listVersions(@CurrentTenant() tenant: Tenant, @ValidQuery(PageQuery) query: PageQuery) {
    return this.policies.listVersions(tenant, query);
  }

  @Get('versions/:version')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'The rules as they were at one policy version' })
  getVersion(@CurrentTenant() tenant: Tenant, @Param('version') version: string) {
    return this.policies.getVersion(tenant, version);
  }

  @Post('versions/:version/rollback')
  @HttpCode(200)
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Restore the rules of a version, as a new version' })
  rollback(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('version') version: string,
  ) {
    return this.policies.rollback(caller, tenant, version);
  }

  @Get(':policyId')
  @Access({ allow: 'tenant-approver', scope: 'admin:read' })
  @ApiOperation({ summary: 'Get a policy rule' })
  get(@CurrentTenant() tenant: Tenant, @Param('policyId') policyId: string) {
    return this.policies.get(tenant, policyId);
  }

  @Patch(':policyId')
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Update a policy rule (`null` clears condition/description)' })
  update(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('policyId') policyId: string,
    @ValidBody(UpdatePolicyDto) body: UpdatePolicyDto,
  ) {
    return this.policies.update(caller, tenant, policyId, body);
  }

  @Delete(':policyId')
  @HttpCode(204)
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Delete a policy rule (new version)' })
  delete(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('policyId') policyId: string,
  ) {
    return this.policies.delete(caller, tenant, policyId);
  }
}
