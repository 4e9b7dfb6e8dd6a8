import type { Approval, ApprovalStatus, Prisma, PrismaClient } from '../generated/prisma/client';
import { afterId, idPage, pageSize, type Page, type PageRequest } from '../pagination';

export interface CreateApprovalInput {
  personId: string;
  sessionId: string;
  upstreamSlug: string;
  toolName: string;
  argumentsDigest: string;
  arguments: Prisma.InputJsonValue;
  matchedRules: string[];
  policyVersion: number;
  expiresAt: Date;
}

export interface ApprovalDecision {
  status: 'approved' | 'denied';
  decidedBy: string;
  comment?: string | null;
}

/** Approval state moves only forward: pending → approved|denied|expired, approved → consumed. */
export class ApprovalRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(tenantId: string, input: CreateApprovalInput): Promise<Approval> {
    return this.prisma.approval.create({ data: { tenantId, ...input } });
  }

  get(tenantId: string, approvalId: string): Promise<Approval | null> {
    return this.prisma.approval.findFirst({ where: { tenantId, id: approvalId } });
  }

  async listByStatus(
    tenantId: string,
    status: ApprovalStatus | undefined,
    page: PageRequest = {},
  ): Promise<Page<Approval>> {
    const size = pageSize(page.limit);
    const rows = await this.prisma.approval.findMany({
      where: { tenantId, ...(status ? { status } : {}), ...afterId(page.cursor) },
      orderBy: { id: 'asc' },
      take: size + 1,
    });
    return idPage(rows, size);
  }

  /**
   * Compare-and-set: decides only a pending, unexpired approval. Returns the decided approval,
   * or null when it does not exist, was already decided, or has expired (two approvers racing:
   * exactly one wins).
   */
  async decide(
    tenantId: string,
    approvalId: string,
    decision: ApprovalDecision,
    now: Date = new Date(),
  ): Promise<Approval | null> {
    const { count } = await this.prisma.approval.updateMany({
      where: { tenantId, id: approvalId, status: 'pending', expiresAt: { gt: now } },
      data: {
        status: decision.status,
        decidedBy: decision.decidedBy,
        decidedAt: now,
        comment: decision.comment ?? null,
      },
    });
    return count === 1 ? this.get(tenantId, approvalId) : null;
  }

  /** approved → consumed, once: the held call may run exactly one time. */
  async consume(tenantId: string, approvalId: string): Promise<Approval | null> {
    const { count } = await this.prisma.approval.updateMany({
      where: { tenantId, id: approvalId, status: 'approved' },
      data: { status: 'consumed' },
    });
    return count === 1 ? this.get(tenantId, approvalId) : null;
  }

  /** Marks every pending approval past its deadline as expired; returns how many. */
  async expireOverdue(tenantId: string, now: Date = new Date()): Promise<number> {
    const { count } = await this.prisma.approval.updateMany({
      where: { tenantId, status: 'pending', expiresAt: { lte: now } },
      data: { status: 'expired', decidedAt: now },
    });
    return count;
  }
}
