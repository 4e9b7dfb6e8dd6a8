import type { PrismaClient, Token } from '../generated/prisma/client';
import { afterId, idPage, pageSize, type Page, type PageRequest } from '../pagination';
import { orConflict } from './prisma-errors';

export interface CreateTokenInput {
  personId: string;
  name: string;
  /** Display prefix (e.g. the first 12 characters of the token). */
  prefix: string;
  /** SHA-256 hex of the whole token; the token itself is never stored. */
  hash: string;
  scopes: string[];
  expiresAt?: Date | null;
}

/** Last-used timestamps are written at most this often per token. */
export const TOUCH_INTERVAL_MS = 60_000;

export class TokenRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(tenantId: string, input: CreateTokenInput): Promise<Token> {
    return orConflict(
      this.prisma.token.create({
        data: {
          tenantId,
          personId: input.personId,
          name: input.name,
          prefix: input.prefix,
          hash: input.hash,
          scopes: input.scopes,
          expiresAt: input.expiresAt ?? null,
        },
      }),
    );
  }

  /**
   * The one lookup without a tenant id: authentication starts from the token alone, and its
   * hash identifies the tenant. Callers still check revokedAt/expiresAt.
   */
  findByHash(hash: string): Promise<Token | null> {
    return this.prisma.token.findUnique({ where: { hash } });
  }

  /** Every token of the tenant, revoked and expired ones too (the config snapshot marks them). */
  listForTenant(tenantId: string): Promise<Token[]> {
    return this.prisma.token.findMany({ where: { tenantId }, orderBy: { id: 'asc' } });
  }

  findById(tenantId: string, tokenId: string): Promise<Token | null> {
    return this.prisma.token.findFirst({ where: { tenantId, id: tokenId } });
  }

  async listForPerson(
    tenantId: string,
    personId: string,
    page: PageRequest = {},
  ): Promise<Page<Token>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.token.findMany({
      where: { tenantId, personId, ...afterId(page.cursor) },
      orderBy: { id: 'asc' },
      take: size + 1,
    });
    return idPage(rows, size);
  }

  /** Revokes once; a second call keeps the first revocation time. Null if no such token. */
  async revoke(tenantId: string, tokenId: string, now: Date = new Date()): Promise<Token | null> {
    await this.prisma.token.updateMany({
      where: { tenantId, id: tokenId, revokedAt: null },
      data: { revokedAt: now },
    });
    return this.findById(tenantId, tokenId);
  }

  /** Records use, at most once per `minIntervalMs`; true when it wrote. */
  async touchLastUsed(
    tenantId: string,
    tokenId: string,
    now: Date = new Date(),
    minIntervalMs: number = TOUCH_INTERVAL_MS,
  ): Promise<boolean> {
    const { count } = await this.prisma.token.updateMany({
      where: {
        tenantId,
        id: tokenId,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - minIntervalMs) } }],
      },
      data: { lastUsedAt: now },
    });
    return count === 1;
  }
}
