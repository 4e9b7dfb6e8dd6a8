import { z } from 'zod';

/** `mcp:call`, `upstream:<slug>`, `tool:<slug>__<tool>`, `admin:*`, `admin:read`, ... */
export const Scope = z
  .string()
  .regex(/^[A-Za-z0-9_.:*/-]{1,200}$/, 'letters, digits and _ . : * / - only');

const FutureDate = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .refine((date) => date.getTime() > Date.now(), 'must be in the future');

export const CreateTokenDto = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(Scope).min(1).max(50),
  expiresAt: FutureDate.optional(),
});
export type CreateTokenDto = z.output<typeof CreateTokenDto>;

export const RotateTokenDto = z.strictObject({
  /** Expiry of the new token; default: the old token's. */
  expiresAt: FutureDate.optional(),
});
export type RotateTokenDto = z.output<typeof RotateTokenDto>;
