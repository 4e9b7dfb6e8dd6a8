import type { IdentityProvider, PrismaClient } from '../generated/prisma/client';
import { afterId, idPage, pageSize, type Page, type PageRequest } from '../pagination';
import { orConflict, orNull } from './prisma-errors';

export interface CreateIdentityProviderInput {
  issuer: string;
  clientId?: string | null;
  clientSecretRef?: string | null;
  jwksUrl?: string | null;
  personClaim?: string;
  allowedEmailDomains?: string[];
  groupClaim?: string | null;
  groupRoles?: Record<string, string>;
  jitProvisioning?: boolean;
  enabled?: boolean;
}

export type UpdateIdentityProviderInput = Partial<CreateIdentityProviderInput>;

/** A tenant's identity provider with the tenant's slug, for the gateway's issuer table. */
export type IdentityProviderWithTenant = IdentityProvider & {
  tenant: { id: string; slug: string };
};

export class IdentityProviderRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(tenantId: string, input: CreateIdentityProviderInput): Promise<IdentityProvider> {
    return orConflict(this.prisma.identityProvider.create({ data: { tenantId, ...input } }));
  }

  findById(tenantId: string, id: string): Promise<IdentityProvider | null> {
    return this.prisma.identityProvider.findFirst({ where: { tenantId, id } });
  }

  async list(tenantId: string, page: PageRequest = {}): Promise<Page<IdentityProvider>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.identityProvider.findMany({
      where: { tenantId, ...afterId(page.cursor) },
      orderBy: { id: 'asc' },
      take: size + 1,
    });
    return idPage(rows, size);
  }

  /**
   * The enabled providers of every active tenant: the gateway's table of trusted issuers
   * (read once, then on every tenant-config change). The one read across tenants, because a
   * token names its issuer before it names a tenant.
   */
  listEnabledInActiveTenants(): Promise<IdentityProviderWithTenant[]> {
    return this.prisma.identityProvider.findMany({
      where: { enabled: true, tenant: { status: 'active' } },
      include: { tenant: { select: { id: true, slug: true } } },
      orderBy: { id: 'asc' },
    });
  }

  update(
    tenantId: string,
    id: string,
    input: UpdateIdentityProviderInput,
  ): Promise<IdentityProvider | null> {
    return orNull(this.prisma.identityProvider.update({ where: { id, tenantId }, data: input }));
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.identityProvider.deleteMany({ where: { tenantId, id } });
    return count === 1;
  }
}
