import type { PrismaClient, UpstreamCredential } from '../generated/prisma/client';

export interface SetUpstreamCredentialInput {
  /** Ciphertext from the credentials vault. */
  secret: string;
  prefix: string;
}

/**
 * People's own credentials for `per_person_secret` upstreams. Every method takes the tenant id,
 * and the composite foreign keys make a row that joins one tenant's person to another tenant's
 * upstream impossible.
 */
export class UpstreamCredentialRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Creates or replaces the person's credential; `setAt` moves to now. */
  set(
    tenantId: string,
    upstreamId: string,
    personId: string,
    input: SetUpstreamCredentialInput,
  ): Promise<UpstreamCredential> {
    const data = { ...input, setAt: new Date() };
    return this.prisma.upstreamCredential.upsert({
      where: { tenantId_upstreamId_personId: { tenantId, upstreamId, personId } },
      create: { tenantId, upstreamId, personId, ...data },
      update: data,
    });
  }

  find(tenantId: string, upstreamId: string, personId: string): Promise<UpstreamCredential | null> {
    return this.prisma.upstreamCredential.findUnique({
      where: { tenantId_upstreamId_personId: { tenantId, upstreamId, personId } },
    });
  }

  /** Every credential a person has stored, for the gateway's per-person upstream view. */
  listForPerson(tenantId: string, personId: string): Promise<UpstreamCredential[]> {
    return this.prisma.upstreamCredential.findMany({ where: { tenantId, personId } });
  }

  /** Every credential of an upstream (the admin list shows who has set one, never the value). */
  listForUpstream(tenantId: string, upstreamId: string): Promise<UpstreamCredential[]> {
    return this.prisma.upstreamCredential.findMany({
      where: { tenantId, upstreamId },
      orderBy: { setAt: 'asc' },
    });
  }

  async delete(tenantId: string, upstreamId: string, personId: string): Promise<boolean> {
    const { count } = await this.prisma.upstreamCredential.deleteMany({
      where: { tenantId, upstreamId, personId },
    });
    return count === 1;
  }
}
