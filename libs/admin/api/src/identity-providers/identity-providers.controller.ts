import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { PageQuery } from '../common/page-query';
import { ValidBody, ValidQuery } from '../common/validated';
import { CreateIdentityProviderDto, UpdateIdentityProviderDto } from './identity-provider.dto';
import { IdentityProvidersService } from './identity-providers.service';

@ApiTags('identity-providers')
@Controller('tenants/:t/identity-providers')
export class IdentityProvidersController {
  constructor(private readonly idps: IdentityProvidersService) {}

  @Post()
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({
    summary: "Add an identity provider whose JWT access tokens sign this tenant's people in",
  })
  create(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidBody(CreateIdentityProviderDto) body: CreateIdentityProviderDto,
  ) {
    return this.idps.create(caller, tenant, body);
  }

  @Get()
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: "List the tenant's identity providers" })
  list(@CurrentTenant() tenant: Tenant, @ValidQuery(PageQuery) query: PageQuery) {
    return this.idps.list(tenant, query);
  }

  @Get(':idpId')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'Get an identity provider' })
  get(@CurrentTenant() tenant: Tenant, @Param('idpId') idpId: string) {
    return this.idps.get(tenant, idpId);
  }

  @Patch(':idpId')
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Update an identity provider' })
  update(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('idpId') idpId: string,
    @ValidBody(UpdateIdentityProviderDto) body: UpdateIdentityProviderDto,
  ) {
    return this.idps.update(caller, tenant, idpId, body);
  }

  @Delete(':idpId')
  @HttpCode(204)
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Delete an identity provider' })
  delete(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('idpId') idpId: string,
  ) {
    return this.idps.delete(caller, tenant, idpId);
  }
}
