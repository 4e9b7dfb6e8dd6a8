import type { PrismaClient, Upstream, UpstreamAuthMode } from '../generated/prisma/client';
import { afterId, idPage, pageSize, type Page, type PageRequest } from '../pagination';
import { normalizeSlug } from './tenant.repository';
import { orConflict, orNull } from './prisma-errors';

export interface CreateUpstreamInput {
  authMode?: UpstreamAuthMode;
  slug: string;
  name: string;
  url: string;
  enabled?: boolean;
  /** Ciphertext from the credentials vault. */
  credentials?: string | null;
  annotationsTrusted?: boolean;
  timeoutMs?: number | null;
}

export type UpdateUpstreamInput = Partial<CreateUpstreamInput>;

export class UpstreamRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(tenantId: string, input: CreateUpstreamInput): Promise<Upstream> {
    return orConflict(
      this.prisma.upstream.create({
        data: { tenantId, ...input, slug: normalizeSlug(input.slug) },
      }),
    );
  }

  findById(tenantId: string, upstreamId: string): Promise<Upstream | null> {
    return this.prisma.upstream.findFirst({ where: { tenantId, id: upstreamId } });
  }

  findBySlug(tenantId: string, slug: string): Promise<Upstream | null> {
    return this.prisma.upstream.findUnique({
      where: { tenantId_slug: { tenantId, slug: slug.toLowerCase() } },
    });
  }

  /** Every enabled upstream of the tenant, for the gateway's routing table. */
  listEnabled(tenantId: string): Promise<Upstream[]> {
    return this.prisma.upstream.findMany({
      where: { tenantId, enabled: true },
      orderBy: { slug: 'asc' },
    });
  }

  async list(tenantId: string, page: PageRequest = {}): Promise<Page<Upstream>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.upstream.findMany({
      where: { tenantId, ...afterId(page.cursor) },
      orderBy: { id: 'asc' },
      take: size + 1,
    });
    return idPage(rows, size);
  }

  update(
    tenantId: string,
    upstreamId: string,
    input: UpdateUpstreamInput,
  ): Promise<Upstream | null> {
    const data = input.slug === undefined ? input : { ...input, slug: normalizeSlug(input.slug) };
    return orNull(this.prisma.upstream.update({ where: { id: upstreamId, tenantId }, data }));
  }

  async delete(tenantId: string, upstreamId: string): Promise<boolean> {
    const { count } = await this.prisma.upstream.deleteMany({
      where: { tenantId, id: upstreamId },
    });
    return count === 1;
  }
}
