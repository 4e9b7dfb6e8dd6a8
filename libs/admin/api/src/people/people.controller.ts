import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { ValidBody, ValidQuery } from '../common/validated';
import { CreatePersonDto, ListPeopleQuery, UpdatePersonDto } from './person.dto';
import { PeopleService } from './people.service';

@ApiTags('people')
@Controller('tenants/:t/people')
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  @Post()
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Create a person (email, name, roles)' })
  create(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @ValidBody(CreatePersonDto) body: CreatePersonDto,
  ) {
    return this.people.create(caller, tenant, body);
  }

  @Get()
  @Access({ allow: 'tenant-admin', scope: 'admin:read' })
  @ApiOperation({ summary: 'List people (filter by email substring, role, status)' })
  list(@CurrentTenant() tenant: Tenant, @ValidQuery(ListPeopleQuery) query: ListPeopleQuery) {
    return this.people.list(tenant, query);
  }

  @Get(':p')
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:read', self: 'person' })
  @ApiOperation({ summary: 'Get a person (anyone may read themselves)' })
  get(@CurrentTenant() tenant: Tenant, @Param('p') personId: string) {
    return this.people.get(tenant, personId);
  }

  @Patch(':p')
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Update a person (roles, name, email, re-enable)' })
  update(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('p') personId: string,
    @ValidBody(UpdatePersonDto) body: UpdatePersonDto,
  ) {
    return this.people.update(caller, tenant, personId, body);
  }

  @Delete(':p')
  @HttpCode(200)
  @Access({ allow: 'tenant-admin', scope: 'admin:write' })
  @ApiOperation({ summary: 'Disable a person: their tokens stop working at once' })
  disable(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('p') personId: string,
  ) {
    return this.people.disable(caller, tenant, personId);
  }
}
