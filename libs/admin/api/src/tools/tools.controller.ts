import { Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { ValidBody } from '../common/validated';
import { SetToolRiskDto } from './tool.dto';
import { ToolsService } from './tools.service';

@ApiTags('tools')
@Controller('tenants/:t/tools')
export class ToolsController {
  constructor(private readonly tools: ToolsService) {}

  @Get()
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'Every pinned upstream tool with its risk and pin state' })
  list(@CurrentTenant() tenant: Tenant) {
    return this.tools.list(tenant);
  }

  @Post(':upstreamId/:toolName/accept')
  @HttpCode(200)
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: "Accept a tool's changed definition as its new pin" })
  accept(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('upstreamId') upstreamId: string,
    @Param('toolName') toolName: string,
  ) {
    return this.tools.accept(caller, tenant, upstreamId, toolName);
  }

  @Put(':upstreamId/:toolName/risk')
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: "Override a tool's risk level (`risk: null` removes the override)" })
  setRisk(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('upstreamId') upstreamId: string,
    @Param('toolName') toolName: string,
    @ValidBody(SetToolRiskDto) body: SetToolRiskDto,
  ) {
    return this.tools.setRisk(caller, tenant, upstreamId, toolName, body);
  }
}
