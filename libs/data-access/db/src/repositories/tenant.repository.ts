import { DataAccessError } from '../errors';
import type { Prisma, PrismaClient, Tenant } from '../generated/prisma/client';
import { afterId, idPage, pageSize, type Page, type PageRequest } from '../pagination';
import { orConflict, orNull } from './prisma-errors';

export interface TenantSettings {
  auditArguments?: 'none' | 'redacted' | 'full';
  auditArgumentsMaxBytes?: number;
  hideChangedTools?: boolean;
  auditFailOpen?: boolean;
  retentionDays?: number;
}

export interface CreateTenantInput {
  slug: string;
  name: string;
  settings?: TenantSettings;
}

export interface UpdateTenantInput {
  name?: string;
  settings?: TenantSettings;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function normalizeSlug(slug: string): string {
  const lower = slug.trim().toLowerCase();
  if (!SLUG.test(lower)) {
    throw new DataAccessError(
      'INVALID_ARGUMENT',
      `Slug "${slug}" is invalid: use 1-63 lowercase letters, digits and inner dashes.`,
    );
  }
  return lower;
}

/** Tenants are the root of isolation: every other repository is scoped by a tenant id. */
export class TenantRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(input: CreateTenantInput): Promise<Tenant> {
    return orConflict(
      this.prisma.tenant.create({
        data: {
          slug: normalizeSlug(input.slug),
          name: input.name,
          settings: (input.settings ?? {}) as Prisma.InputJsonObject,
        },
      }),
    );
  }

  /** Admin routes accept either; a uuid-shaped value is tried as an id first. */
  async findByIdOrSlug(idOrSlug: string): Promise<Tenant | null> {
    if (UUID.test(idOrSlug)) {
      const byId = await this.prisma.tenant.findUnique({ where: { id: idOrSlug } });
      if (byId) return byId;
    }
    return this.prisma.tenant.findUnique({ where: { slug: idOrSlug.toLowerCase() } });
  }

  async list(page: PageRequest = {}): Promise<Page<Tenant>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.tenant.findMany({
      where: afterId(page.cursor) ?? {},
      orderBy: { id: 'asc' },
      take: size + 1,
    });
    return idPage(rows, size);
  }

  update(tenantId: string, input: UpdateTenantInput): Promise<Tenant | null> {
    return orNull(
      this.prisma.tenant.update({
        where: { id: tenantId },
        data: {
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.settings === undefined
            ? {}
            : { settings: input.settings as Prisma.InputJsonObject }),
        },
      }),
    );
  }

  disable(tenantId: string): Promise<Tenant | null> {
    return orNull(
      this.prisma.tenant.update({ where: { id: tenantId }, data: { status: 'disabled' } }),
    );
  }

  enable(tenantId: string): Promise<Tenant | null> {
    return orNull(
      this.prisma.tenant.update({ where: { id: tenantId }, data: { status: 'active' } }),
    );
  }

  /** Deletes the tenant and, by cascade, everything it owns. */
  async delete(tenantId: string): Promise<boolean> {
    return (await this.prisma.tenant.deleteMany({ where: { id: tenantId } })).count === 1;
  }
}
