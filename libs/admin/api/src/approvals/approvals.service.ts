import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import { BusChannels } from '@gatehouse/bus';
import type { Approval, Tenant } from '@gatehouse/data-access';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { AdminError, notFound } from '../common/admin-error';
import { isUuid } from '../common/ids';
import type { PageOf } from '../common/page-query';
import type { DecideApprovalDto, ListApprovalsQuery } from './approval.dto';
import { approvalView, type ApprovalView } from './approval.view';

/**
 * Held tool calls waiting for a human. A decision is a compare-and-set on a pending, unexpired
 * approval (two approvers racing: one wins, the other gets 409), is never made by the person
 * who asked, is audited, and wakes the gateway replica holding the call over the bus.
 */
@Injectable()
export class ApprovalsService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async list(tenant: Tenant, query: ListApprovalsQuery): Promise<PageOf<ApprovalView>> {
    // Overdue approvals are expired first, so "pending" never lists one that cannot be decided.
    await this.runtime.repos.approvals.expireOverdue(tenant.id);
    const page = await this.runtime.repos.approvals.listByStatus(tenant.id, query.status, query);
    return { items: page.items.map(approvalView), nextCursor: page.nextCursor };
  }

  async get(tenant: Tenant, approvalId: string): Promise<ApprovalView> {
    return approvalView(await this.find(tenant, approvalId));
  }

  async decide(
    caller: Caller,
    tenant: Tenant,
    approvalId: string,
    status: 'approved' | 'denied',
    input: DecideApprovalDto,
  ): Promise<ApprovalView> {
    const before = await this.find(tenant, approvalId);
    if (before.personId === caller.identity.personId) {
      throw new AdminError(
        'SELF_APPROVAL',
        'You asked for this call yourself: another approver or admin has to decide it.',
      );
    }
    const now = new Date();
    assertUndecided(before, now);
    const decided = await this.runtime.repos.approvals.decide(
      tenant.id,
      approvalId,
      { status, decidedBy: caller.identity.personId, comment: input.comment ?? null },
      now,
    );
    if (!decided) {
      // Lost a race with another decision or with the deadline: say which.
      assertUndecided(await this.find(tenant, approvalId), now);
      throw new AdminError('ALREADY_DECIDED', 'This approval was decided meanwhile.');
    }
    await this.runtime.bus.publish(BusChannels.approvalDecided, {
      tenantId: tenant.id,
      approvalId,
    });
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: `admin.approvals.${status === 'approved' ? 'approve' : 'deny'}`,
      target: { type: 'approval', id: approvalId },
      before: approvalView(before),
      after: approvalView(decided),
    });
    return approvalView(decided);
  }

  private async find(tenant: Tenant, approvalId: string): Promise<Approval> {
    const approval = isUuid(approvalId)
      ? await this.runtime.repos.approvals.get(tenant.id, approvalId)
      : null;
    if (!approval) throw notFound('approval');
    return approval;
  }
}

function assertUndecided(approval: Approval, now: Date): void {
  if (
    approval.status === 'expired' ||
    (approval.status === 'pending' && approval.expiresAt <= now)
  ) {
    throw new AdminError(
      'EXPIRED',
      'This approval expired before it was decided; the call was refused.',
      {
        expiresAt: approval.expiresAt.toISOString(),
      },
    );
  }
  if (approval.status !== 'pending') {
    throw new AdminError('ALREADY_DECIDED', `This approval is already ${approval.status}.`, {
      status: approval.status,
      decidedBy: approval.decidedBy,
    });
  }
}
