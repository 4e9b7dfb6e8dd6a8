import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { PageQuery } from '../common/page-query';
import { ValidBody, ValidQuery } from '../common/validated';
import { CreateUpstreamDto, UpdateUpstreamDto } from './upstream.dto';
import { UpstreamsService } from './upstreams.service';

@ApiTags('upstreams')
@Controller('tenants/:t/upstreams')
export class UpstreamsController {
  constructor(private readonly upstreams: UpstreamsService) {}

  @Post()
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Register an upstream MCP server (URL checked against SSRF)' })
  create(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidBody(CreateUpstreamDto) body: CreateUpstreamDto,
  ) {
    return this.upstreams.create(caller, tenant, body);
  }

  @Get()
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'List upstreams (credentials never shown)' })
  list(@CurrentTenant() tenant: Tenant, @ValidQuery(PageQuery) query: PageQuery) {
    return this.upstreams.list(tenant, query);
  }

  @Get(':upstreamId')
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'Get an upstream' })
  get(@CurrentTenant() tenant: Tenant, @Param('upstreamId') upstreamId: string) {
    return this.upstreams.get(tenant, upstreamId);
  }

  @Patch(':upstreamId')
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Update an upstream; `credentials: null` removes them' })
  update(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('upstreamId') upstreamId: string,
    @ValidBody(UpdateUpstreamDto) body: UpdateUpstreamDto,
  ) {
    return this.upstreams.update(caller, tenant, upstreamId, body);
  }

  @Delete(':upstreamId')
  @HttpCode(204)
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Delete an upstream' })
  delete(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('upstreamId') upstreamId: string,
  ) {
    return this.upstreams.delete(caller, tenant, upstreamId);
  }
}
