import { LimitsDocumentSchema } from '@gatehouse/policy';
import { z } from 'zod';

/** The whole limits document (rules, quotas, fail mode), as the gateway enforces it. */
export const PutLimitsDto = LimitsDocumentSchema;
export type PutLimitsDto = z.output<typeof PutLimitsDto>;

export const LimitsUsageQuery = z.strictObject({
  /** Also show this person's quota usage. */
  personId: z.uuid().optional(),
});
export type LimitsUsageQuery = z.output<typeof LimitsUsageQuery>;
