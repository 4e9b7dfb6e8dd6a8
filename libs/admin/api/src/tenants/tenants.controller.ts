import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { PageQuery } from '../common/page-query';
import { ValidBody, ValidQuery } from '../common/validated';
import { CreateTenantDto, UpdateTenantDto } from './tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@Controller('tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @Access({ allow: 'platform-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Create a tenant' })
  create(@CurrentCaller() caller: Caller, @ValidBody(CreateTenantDto) body: CreateTenantDto) {
    return this.tenants.create(caller, body);
  }

  @Get()
  @Access({ allow: 'platform-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'List tenants' })
  list(@ValidQuery(PageQuery) query: PageQuery) {
    return this.tenants.list(query);
  }

  @Get(':t')
  @Access({ allow: 'platform-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'Get a tenant by id or slug' })
  get(@CurrentTenant() tenant: Tenant) {
    return this.tenants.get(tenant);
  }

  @Patch(':t')
  @Access({ allow: 'platform-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Update a tenant (name, settings, re-enable)' })
  update(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidBody(UpdateTenantDto) body: UpdateTenantDto,
  ) {
    return this.tenants.update(caller, tenant, body);
  }

  @Delete(':t')
  @HttpCode(200)
  @Access({ allow: 'platform-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Disable a tenant: its tokens stop working at once' })
  disable(@CurrentCaller() caller: Caller, @CurrentTenant() tenant: Tenant) {
    return this.tenants.disable(caller, tenant);
  }
}
