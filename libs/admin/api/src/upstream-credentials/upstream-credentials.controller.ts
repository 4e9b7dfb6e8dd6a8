import { Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { ValidBody } from '../common/validated';
import { PersonalCredentialDto } from '../upstreams/upstream.dto';
import { UpstreamCredentialsService } from './upstream-credentials.service';

/** A person stores their own credential for a per-person-secret upstream; admins for anyone's. */
@ApiTags('upstream-credentials')
@Controller('tenants/:t/people/:p/upstream-credentials')
export class UpstreamCredentialsController {
  constructor(private readonly credentials: UpstreamCredentialsService) {}

  @Get()
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:read', self: 'person' })
  @ApiOperation({ summary: "List a person's upstream credentials (prefix and set-at only)" })
  list(@CurrentTenant() tenant: Tenant, @Param('p') personId: string) {
    return this.credentials.list(tenant, personId);
  }

  @Get(':upstreamId')
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:read', self: 'person' })
  @ApiOperation({ summary: "Whether a person's credential for an upstream is set, and when" })
  get(
    @CurrentTenant() tenant: Tenant,
    @Param('p') personId: string,
    @Param('upstreamId') upstreamId: string,
  ) {
    return this.credentials.get(tenant, personId, upstreamId);
  }

  @Put(':upstreamId')
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:write', self: 'person' })
  @ApiOperation({
    summary: "Set or replace a person's credential for a per-person-secret upstream (write-only)",
  })
  set(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('p') personId: string,
    @Param('upstreamId') upstreamId: string,
    @ValidBody(PersonalCredentialDto) body: PersonalCredentialDto,
  ) {
    return this.credentials.set(caller, tenant, personId, upstreamId, body);
  }

  @Delete(':upstreamId')
  @HttpCode(204)
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:write', self: 'person' })
  @ApiOperation({ summary: "Remove a person's credential for an upstream" })
  delete(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('p') personId: string,
    @Param('upstreamId') upstreamId: string,
  ) {
    return this.credentials.delete(caller, tenant, personId, upstreamId);
  }
}
