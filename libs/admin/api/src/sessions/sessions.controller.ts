import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { PageQuery } from '../common/page-query';
import { ValidQuery } from '../common/validated';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@Controller('tenants/:t/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'List live MCP sessions (person, client, started, last seen)' })
  list(@CurrentTenant() tenant: Tenant, @ValidQuery(PageQuery) query: PageQuery) {
    return this.sessions.list(tenant, query);
  }

  @Delete(':sessionId')
  @HttpCode(204)
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Terminate a session: its next request gets 404 on every replica' })
  terminate(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('sessionId') sessionId: string,
  ) {
    return this.sessions.terminate(caller, tenant, sessionId);
  }
}
