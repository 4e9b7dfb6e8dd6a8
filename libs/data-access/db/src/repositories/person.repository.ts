import type { Person, PersonStatus, PrismaClient } from '../generated/prisma/client';
import { afterId, idPage, pageSize, type Page, type PageRequest } from '../pagination';
import { orConflict, orNull } from './prisma-errors';

export type PersonRole = 'platform-admin' | 'admin' | 'approver' | 'member';

export interface CreatePersonInput {
  email: string;
  name: string;
  roles: PersonRole[];
}

export interface UpdatePersonInput {
  email?: string;
  name?: string;
  roles?: PersonRole[];
  status?: PersonStatus;
}

/** Narrows `listFiltered`; every field optional, combined with AND. */
export interface PersonFilter {
  /** Case-insensitive substring of the email. */
  email?: string;
  role?: PersonRole;
  status?: PersonStatus;
}

export class PersonRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(tenantId: string, input: CreatePersonInput): Promise<Person> {
    return orConflict(
      this.prisma.person.create({
        data: {
          tenantId,
          email: input.email.trim().toLowerCase(),
          name: input.name,
          roles: input.roles,
        },
      }),
    );
  }

  /** Every person of the tenant, disabled ones too (for the config snapshot). */
  listAll(tenantId: string): Promise<Person[]> {
    return this.prisma.person.findMany({ where: { tenantId }, orderBy: { id: 'asc' } });
  }

  findById(tenantId: string, personId: string): Promise<Person | null> {
    return this.prisma.person.findFirst({ where: { tenantId, id: personId } });
  }

  findByEmail(tenantId: string, email: string): Promise<Person | null> {
    return this.prisma.person.findUnique({
      where: { tenantId_email: { tenantId, email: email.trim().toLowerCase() } },
    });
  }

  async list(tenantId: string, page: PageRequest = {}): Promise<Page<Person>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.person.findMany({
      where: { tenantId, ...afterId(page.cursor) },
      orderBy: { id: 'asc' },
      take: size + 1,
    });
    return idPage(rows, size);
  }

  update(tenantId: string, personId: string, input: UpdatePersonInput): Promise<Person | null> {
    return orNull(
      this.prisma.person.update({
        where: { id: personId, tenantId },
        data: {
          ...(input.email === undefined ? {} : { email: input.email.trim().toLowerCase() }),
          ...(input.name === undefined ? {} : { name: input.name }),
          ...(input.roles === undefined ? {} : { roles: input.roles }),
          ...(input.status === undefined ? {} : { status: input.status }),
        },
      }),
    );
  }

  disable(tenantId: string, personId: string): Promise<Person | null> {
    return this.update(tenantId, personId, { status: 'disabled' });
  }

  /** Deletes the person and their tokens and approvals. */
  async delete(tenantId: string, personId: string): Promise<boolean> {
    const { count } = await this.prisma.person.deleteMany({ where: { tenantId, id: personId } });
    return count === 1;
  }
  // --- Added for the admin API (libs/admin/api) -------------------------------------------

  /** `list` with a filter, same id-ordered pagination. */
  async listFiltered(
    tenantId: string,
    filter: PersonFilter,
    page: PageRequest = {},
  ): Promise<Page<Person>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.person.findMany({
      where: {
        tenantId,
        ...afterId(page.cursor),
        ...(filter.email ? { email: { contains: filter.email.toLowerCase() } } : {}),
        ...(filter.role ? { roles: { has: filter.role } } : {}),
        ...(filter.status ? { status: filter.status } : {}),
      },
      orderBy: { id: 'asc' },
      take: size + 1,
    });
    return idPage(rows, size);
  }

  /**
   * The one person lookup without a tenant id (a JWT names an email, not a tenant): the people
   * with that email in active tenants, disabled ones too, so that a sign-in can be refused as
   * "disabled" rather than "unknown". Callers refuse an ambiguous match.
   */
  findByEmailInActiveTenants(
    email: string,
    limit = 10,
  ): Promise<(Person & { tenant: { id: string; slug: string } })[]> {
    return this.prisma.person.findMany({
      where: { email: email.trim().toLowerCase(), tenant: { status: 'active' } },
      include: { tenant: { select: { id: true, slug: true } } },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }
}
