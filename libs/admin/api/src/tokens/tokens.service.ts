import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import { generateToken } from '@gatehouse/auth';
import type { Tenant, Token } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { canGrantScope } from '../auth/admin-scope';
import { AdminError, notFound } from '../common/admin-error';
import { publishConfigSnapshotStale, publishTokenInvalidation } from '../common/bus-events';
import { isUuid } from '../common/ids';
import type { PageOf, PageQuery } from '../common/page-query';
import { PeopleService } from '../people/people.service';
import type { CreateTokenDto, RotateTokenDto } from './token.dto';
import { tokenView, type CreatedToken, type TokenView } from './token.view';

@Injectable()
export class TokensService {
  constructor(
    @Inject(ADMIN_RUNTIME) private readonly runtime: Runtime,
    private readonly people: PeopleService,
  ) {}

  async create(
    caller: Caller,
    tenant: Tenant,
    personId: string,
    input: CreateTokenDto,
  ): Promise<CreatedToken> {
    await this.people.find(tenant, personId);
    const refused = input.scopes.filter((scope) => !canGrantScope(caller.identity, scope));
    if (refused.length > 0) {
      throw new AdminError('FORBIDDEN', 'A token cannot get admin scopes its creator lacks.', {
        refused,
      });
    }
    const created = await this.issue(tenant, personId, input.name, input.scopes, input.expiresAt);
    await this.audit(caller, tenant, 'create', created.token.id, null, created.token);
    return created;
  }

  async list(tenant: Tenant, personId: string, page: PageQuery): Promise<PageOf<TokenView>> {
    await this.people.find(tenant, personId);
    const result = await this.runtime.repos.tokens.listForPerson(tenant.id, personId, page);
    return { items: result.items.map(tokenView), nextCursor: result.nextCursor };
  }

  /** Revokes at once on every replica (the resolvers' caches are invalidated over the bus). */
  async revoke(caller: Caller, tenant: Tenant, tokenId: string): Promise<TokenView> {
    const before = await this.find(tenant, tokenId);
    const revoked = await this.runtime.repos.tokens.revoke(tenant.id, tokenId);
    if (!revoked) throw notFound('token');
    await publishTokenInvalidation(this.runtime, { tokenId });
    const after = tokenView(revoked);
    if (!before.revokedAt)
      await this.audit(caller, tenant, 'revoke', tokenId, tokenView(before), after);
    return after;
  }

  /**
   * A new token with the same person, name and scopes, then the old one revoked. Creating first
   * means a failure half-way leaves the old token working rather than the person locked out.
   */
  async rotate(
    caller: Caller,
    tenant: Tenant,
    tokenId: string,
    input: RotateTokenDto,
  ): Promise<CreatedToken> {
    const old = await this.find(tenant, tokenId);
    if (old.revokedAt) throw new AdminError('CONFLICT', 'The token is revoked; create a new one.');
    const expiresAt = input.expiresAt ?? old.expiresAt;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new AdminError('VALIDATION_FAILED', 'The token has expired: give a new expiresAt.', {
        issues: [{ path: 'expiresAt', message: 'required for an expired token' }],
      });
    }
    const created = await this.issue(tenant, old.personId, old.name, old.scopes, expiresAt);
    const revoked = await this.runtime.repos.tokens.revoke(tenant.id, tokenId);
    await publishTokenInvalidation(this.runtime, { tokenId });
    await this.audit(caller, tenant, 'rotate', tokenId, tokenView(old), {
      revoked: revoked ? tokenView(revoked) : null,
      replacement: created.token,
    });
    return created;
  }

  private async issue(
    tenant: Tenant,
    personId: string,
    name: string,
    scopes: string[],
    expiresAt: Date | null | undefined,
  ): Promise<CreatedToken> {
    const { secret, hash, displayPrefix } = generateToken();
    const token = await this.runtime.repos.tokens.create(tenant.id, {
      personId,
      name,
      prefix: displayPrefix,
      hash,
      scopes,
      expiresAt: expiresAt ?? null,
    });
    await publishConfigSnapshotStale(this.runtime, tenant.id);
    return { token: tokenView(token), secret };
  }

  private async find(tenant: Tenant, tokenId: string): Promise<Token> {
    const token = isUuid(tokenId)
      ? await this.runtime.repos.tokens.findById(tenant.id, tokenId)
      : null;
    if (!token) throw notFound('token');
    return token;
  }

  private audit(
    caller: Caller,
    tenant: Tenant,
    verb: string,
    tokenId: string,
    before: TokenView | null,
    after: object,
  ): Promise<void> {
    return recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.tokens.${verb}`,
      target: { type: 'token', id: tokenId },
      before,
      after,
    });
  }
}
