import { Prisma, type PrismaClient, type ToolPin } from '../generated/prisma/client';

export interface ToolSighting {
  upstreamId: string;
  toolName: string;
  definitionHash: string;
  definition: Prisma.InputJsonValue;
}

/** Tool definitions pinned by hash at first sight; a changed definition waits for acceptance. */
export class ToolPinRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Pins the definition if the tool was never seen; otherwise returns the existing pin as is. */
  upsertFirstSight(tenantId: string, sighting: ToolSighting): Promise<ToolPin> {
    return this.prisma.toolPin.upsert({
      where: {
        upstreamId_toolName: { upstreamId: sighting.upstreamId, toolName: sighting.toolName },
        tenantId,
      },
      create: { tenantId, ...sighting },
      update: {},
    });
  }

  findByTool(tenantId: string, upstreamId: string, toolName: string): Promise<ToolPin | null> {
    return this.prisma.toolPin.findFirst({ where: { tenantId, upstreamId, toolName } });
  }

  listForUpstream(tenantId: string, upstreamId: string): Promise<ToolPin[]> {
    return this.prisma.toolPin.findMany({
      where: { tenantId, upstreamId },
      orderBy: { toolName: 'asc' },
    });
  }

  listForTenant(tenantId: string): Promise<ToolPin[]> {
    return this.prisma.toolPin.findMany({
      where: { tenantId },
      orderBy: [{ upstreamId: 'asc' }, { toolName: 'asc' }],
    });
  }

  /**
   * Records a definition that differs from the pinned one. No-op (returns the pin unchanged)
   * when the hash equals the pinned or already-pending hash. Null when no pin exists.
   */
  async markChanged(
    tenantId: string,
    sighting: ToolSighting,
    now: Date = new Date(),
  ): Promise<ToolPin | null> {
    const { upstreamId, toolName, definitionHash } = sighting;
    await this.prisma.toolPin.updateMany({
      where: {
        tenantId,
        upstreamId,
        toolName,
        definitionHash: { not: definitionHash },
        OR: [{ pendingHash: null }, { pendingHash: { not: definitionHash } }],
      },
      data: {
        status: 'changed',
        pendingHash: definitionHash,
        pendingDefinition: sighting.definition,
        changedAt: now,
      },
    });
    return this.findByTool(tenantId, upstreamId, toolName);
  }

  /** Accepts the pending definition as the new pin. Null when there is nothing pending. */
  async accept(
    tenantId: string,
    toolPinId: string,
    acceptedBy: string,
    now: Date = new Date(),
  ): Promise<ToolPin | null> {
    return this.prisma.$transaction(async (tx) => {
      const pin = await tx.toolPin.findFirst({
        where: { tenantId, id: toolPinId, status: 'changed' },
      });
      if (!pin || pin.pendingHash === null || pin.pendingDefinition === null) return null;
      return tx.toolPin.update({
        where: { id: pin.id },
        data: {
          status: 'pinned',
          definitionHash: pin.pendingHash,
          definition: pin.pendingDefinition as Prisma.InputJsonValue,
          pendingHash: null,
          pendingDefinition: Prisma.DbNull,
          acceptedAt: now,
          acceptedBy,
        },
      });
    });
  }

  setRiskOverride(tenantId: string, toolPinId: string, risk: string | null): Promise<number> {
    return this.prisma.toolPin
      .updateMany({ where: { tenantId, id: toolPinId }, data: { riskOverride: risk } })
      .then((r) => r.count);
  }
}
