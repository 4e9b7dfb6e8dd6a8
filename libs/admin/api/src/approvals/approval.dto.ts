import { z } from 'zod';
import { PageQuery } from '../common/page-query';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'consumed'] as const;

export const ListApprovalsQuery = PageQuery.extend({
  status: z.enum(APPROVAL_STATUSES).optional(),
});
export type ListApprovalsQuery = z.output<typeof ListApprovalsQuery>;

export const DecideApprovalDto = z.strictObject({
  comment: z.string().trim().max(2000).optional(),
});
export type DecideApprovalDto = z.output<typeof DecideApprovalDto>;
