import { DataAccessError } from '../errors';
import type {
  Policy,
  PolicyEffect,
  PolicyVersion,
  Prisma,
  PrismaClient,
} from '../generated/prisma/client';
import { pageOfVersions, type Page, type PageRequest } from '../pagination';
import { orNull } from './prisma-errors';

export interface PolicyInput {
  name: string;
  description?: string;
  effect: PolicyEffect;
  subjects: Prisma.InputJsonValue;
  targets: Prisma.InputJsonValue;
  condition?: string | null;
  priority?: number;
  enabled?: boolean;
}

export interface PolicyChange<T> {
  result: T;
  /** The tenant's policy version after the change. */
  policyVersion: number;
}

type Tx = Prisma.TransactionClient;

/**
 * Policy rows plus the tenant's policy version: every change runs in one transaction that
 * bumps `tenants.policy_version` (row lock: concurrent changes of a tenant serialize) and
 * stores a snapshot of all the tenant's rules, so any version can be listed or restored.
 */
export class PolicyRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Ordered as evaluated: priority first (highest), then name. */
  list(tenantId: string): Promise<Policy[]> {
    return this.prisma.policy.findMany({
      where: { tenantId },
      orderBy: [{ priority: 'desc' }, { name: 'asc' }, { id: 'asc' }],
    });
  }

  findById(tenantId: string, policyId: string): Promise<Policy | null> {
    return this.prisma.policy.findFirst({ where: { tenantId, id: policyId } });
  }

  create(tenantId: string, input: PolicyInput, actor?: string): Promise<PolicyChange<Policy>> {
    return this.change(tenantId, actor, (tx) =>
      tx.policy.create({ data: { tenantId, ...input, version: 1 } }),
    );
  }

  async update(
    tenantId: string,
    policyId: string,
    input: Partial<PolicyInput>,
    actor?: string,
  ): Promise<PolicyChange<Policy> | null> {
    return this.changeOrNull(tenantId, actor, (tx) =>
      orNull(
        tx.policy.update({
          where: { id: policyId, tenantId },
          data: { ...input, version: { increment: 1 } },
        }),
      ),
    );
  }

  async delete(
    tenantId: string,
    policyId: string,
    actor?: string,
  ): Promise<PolicyChange<Policy> | null> {
    return this.changeOrNull(tenantId, actor, (tx) =>
      orNull(tx.policy.delete({ where: { id: policyId, tenantId } })),
    );
  }

  /** Replaces the tenant's rules with the snapshot of `version`, as a new version. */
  async rollback(
    tenantId: string,
    version: number,
    actor?: string,
  ): Promise<PolicyChange<Policy[]>> {
    return this.change(tenantId, actor, async (tx) => {
      const snapshot = await tx.policyVersion.findUnique({
        where: { tenantId_version: { tenantId, version } },
      });
      if (!snapshot) {
        throw new DataAccessError(
          'NOT_FOUND',
          `Policy version ${version} does not exist for this tenant; list versions to pick one.`,
          { version },
        );
      }
      const rules = snapshot.rules as unknown as SnapshotRule[];
      await tx.policy.deleteMany({ where: { tenantId } });
      await tx.policy.createMany({
        data: rules.map((rule) => ({ ...rule, tenantId })),
      });
      return tx.policy.findMany({
        where: { tenantId },
        orderBy: [{ priority: 'desc' }, { name: 'asc' }],
      });
    });
  }

  /** Newest first. */
  listVersions(tenantId: string, page: PageRequest = {}): Promise<Page<PolicyVersion>> {
    return pageOfVersions(page, (before, take) =>
      this.prisma.policyVersion.findMany({
        where: { tenantId, ...(before === undefined ? {} : { version: { lt: before } }) },
        orderBy: { version: 'desc' },
        take,
      }),
    );
  }

  getVersion(tenantId: string, version: number): Promise<PolicyVersion | null> {
    return this.prisma.policyVersion.findUnique({
      where: { tenantId_version: { tenantId, version } },
    });
  }

  private change<T>(
    tenantId: string,
    actor: string | undefined,
    apply: (tx: Tx) => Promise<T>,
  ): Promise<PolicyChange<T>> {
    return this.prisma.$transaction(async (tx) => {
      // Lock the tenant row first so concurrent changes of one tenant serialize.
      const { policyVersion } = await tx.tenant.update({
        where: { id: tenantId },
        data: { policyVersion: { increment: 1 } },
        select: { policyVersion: true },
      });
      const result = await apply(tx);
      const rules = await tx.policy.findMany({ where: { tenantId }, orderBy: { id: 'asc' } });
      await tx.policyVersion.create({
        data: {
          tenantId,
          version: policyVersion,
          rules: rules.map(toSnapshotRule) as unknown as Prisma.InputJsonArray,
          createdBy: actor ?? null,
        },
      });
      return { result, policyVersion };
    });
  }

  /** Like `change`, but a missing row rolls the transaction back and yields null. */
  private async changeOrNull<T>(
    tenantId: string,
    actor: string | undefined,
    apply: (tx: Tx) => Promise<T | null>,
  ): Promise<PolicyChange<T> | null> {
    try {
      return await this.change(tenantId, actor, async (tx) => {
        const result = await apply(tx);
        if (result === null) throw new RowMissing();
        return result;
      });
    } catch (error) {
      if (error instanceof RowMissing) return null;
      throw error;
    }
  }
}

class RowMissing extends Error {}

interface SnapshotRule {
  id: string;
  name: string;
  description: string;
  effect: PolicyEffect;
  subjects: Prisma.InputJsonValue;
  targets: Prisma.InputJsonValue;
  condition: string | null;
  priority: number;
  enabled: boolean;
  version: number;
}

function toSnapshotRule(policy: Policy): SnapshotRule {
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    effect: policy.effect,
    subjects: policy.subjects as Prisma.InputJsonValue,
    targets: policy.targets as Prisma.InputJsonValue,
    condition: policy.condition,
    priority: policy.priority,
    enabled: policy.enabled,
    version: policy.version,
  };
}
