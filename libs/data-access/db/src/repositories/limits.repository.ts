import { DataAccessError } from '../errors';
import type { LimitsVersion, Prisma, PrismaClient } from '../generated/prisma/client';
import { pageOfVersions, type Page, type PageRequest } from '../pagination';

/**
 * A tenant's limits documents, one row per version. The newest row is in force; a change
 * inserts version + 1, and a concurrent change of the same tenant hits the unique
 * (tenant, version) index and is reported as a conflict instead of silently winning.
 */
export class LimitsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  current(tenantId: string): Promise<LimitsVersion | null> {
    return this.prisma.limitsVersion.findFirst({
      where: { tenantId },
      orderBy: { version: 'desc' },
    });
  }

  /** Stores `document` as the tenant's next version (the first is 1). */
  async put(
    tenantId: string,
    document: Prisma.InputJsonValue,
    actor?: string,
  ): Promise<LimitsVersion> {
    const latest = await this.current(tenantId);
    try {
      return await this.prisma.limitsVersion.create({
        data: {
          tenantId,
          version: (latest?.version ?? 0) + 1,
          document,
          createdBy: actor ?? null,
        },
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'P2002') {
        throw new DataAccessError(
          'CONFLICT',
          'The limits changed while this change was made; read them again and retry.',
          { tenantId },
        );
      }
      throw error;
    }
  }

  getVersion(tenantId: string, version: number): Promise<LimitsVersion | null> {
    return this.prisma.limitsVersion.findUnique({
      where: { tenantId_version: { tenantId, version } },
    });
  }

  /** Newest first. */
  listVersions(tenantId: string, page: PageRequest = {}): Promise<Page<LimitsVersion>> {
    return pageOfVersions(page, (before, take) =>
      this.prisma.limitsVersion.findMany({
        where: { tenantId, ...(before === undefined ? {} : { version: { lt: before } }) },
        orderBy: { version: 'desc' },
        take,
      }),
    );
  }
}
