import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Tenant } from '@gatehouse/data-access';
import { Access } from '../auth/access-rule';
import { CurrentCaller, CurrentTenant, type Caller } from '../auth/admin-request';
import { PageQuery } from '../common/page-query';
import { ValidBody, ValidQuery } from '../common/validated';
import { CreateTokenDto, RotateTokenDto } from './token.dto';
import { TokensService } from './tokens.service';

/** A person manages their own tokens; admins of the tenant manage everyone's. */
@ApiTags('tokens')
@Controller('tenants/:t')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post('people/:p/tokens')
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:write', self: 'person' })
  @ApiOperation({ summary: 'Create a token; the response holds its secret, shown only this once' })
  create(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('p') personId: string,
    @ValidBody(CreateTokenDto) body: CreateTokenDto,
  ) {
    return this.tokens.create(caller, tenant, personId, body);
  }

  @Get('people/:p/tokens')
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:read', self: 'person' })
  @ApiOperation({ summary: "List a person's tokens (never their secrets)" })
  list(
    @CurrentTenant() tenant: Tenant,
    @Param('p') personId: string,
    @ValidQuery(PageQuery) query: PageQuery,
  ) {
    return this.tokens.list(tenant, personId, query);
  }

  @Delete('tokens/:tokenId')
  @HttpCode(200)
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:write', self: 'token' })
  @ApiOperation({ summary: 'Revoke a token, at once on every replica' })
  revoke(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('tokenId') tokenId: string,
  ) {
    return this.tokens.revoke(caller, tenant, tokenId);
  }

  @Post('tokens/:tokenId/rotate')
  @Access({ allow: 'self-or-tenant-admin', scope: 'admin:write', self: 'token' })
  @ApiOperation({ summary: 'Replace a token by a new one with the same name and scopes' })
  rotate(
    @CurrentCaller() caller: Caller,
    @CurrentTenant() tenant: Tenant,
    @Param('tokenId') tokenId: string,
    @ValidBody(RotateTokenDto) body: RotateTokenDto,
  ) {
    return this.tokens.rotate(caller, tenant, tokenId, body);
  }
}
