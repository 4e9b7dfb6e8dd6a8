import { RiskLevelSchema } from '@gatehouse/policy';
import { z } from 'zod';

/** `null` removes the override: the risk is derived from the annotations again. */
export const SetToolRiskDto = z.strictObject({ risk: RiskLevelSchema.nullable() });
export type SetToolRiskDto = z.output<typeof SetToolRiskDto>;
