import { z } from 'zod';

export const TenantSlug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    '1-63 lowercase letters, digits and inner dashes',
  );

export const TenantSettingsDto = z.strictObject({
  auditArguments: z.enum(['none', 'redacted', 'full']).optional(),
  auditArgumentsMaxBytes: z.number().int().min(0).max(1_048_576).optional(),
  hideChangedTools: z.boolean().optional(),
  auditFailOpen: z.boolean().optional(),
  retentionDays: z.number().int().min(1).max(3650).optional(),
});

export const CreateTenantDto = z.strictObject({
  slug: TenantSlug,
  name: z.string().trim().min(1).max(200),
  settings: TenantSettingsDto.optional(),
});
export type CreateTenantDto = z.output<typeof CreateTenantDto>;

export const UpdateTenantDto = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  settings: TenantSettingsDto.optional(),
  /** `active` re-enables a disabled tenant; disabling is `DELETE /tenants/:t`. */
  status: z.enum(['active', 'disabled']).optional(),
});
export type UpdateTenantDto = z.output<typeof UpdateTenantDto>;
