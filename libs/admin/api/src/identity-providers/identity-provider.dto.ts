import { ROLES } from '@gatehouse/auth';
import { z } from 'zod';

/** https only, except loopback in tests: the issuer's keys decide who may sign in. */
const IssuerUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine(
    (u) =>
      u.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u),
    'must be an https URL',
  );

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain');

/** A reference to where the secret lives (`env:NAME` or `file:/path`), never the secret. */
const SecretRef = z
  .string()
  .regex(/^(env:[A-Z_][A-Z0-9_]*|file:\/[^\s]+)$/, 'must be env:NAME or file:/path');

const Fields = {
  issuer: IssuerUrl,
  clientId: z.string().min(1).max(512).nullable(),
  clientSecretRef: SecretRef.nullable(),
  jwksUrl: IssuerUrl.nullable(),
  personClaim: z.string().regex(/^[A-Za-z0-9_:.-]{1,128}$/),
  allowedEmailDomains: z.array(Domain).max(100),
  groupClaim: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,128}$/)
    .nullable(),
  groupRoles: z.record(z.string().min(1).max(256), z.enum(ROLES).exclude(['platform-admin'])),
  // Creating people at their first sign-in is not built yet: refused rather than stored unused.
  jitProvisioning: z.literal(false, {
    error: 'just-in-time creation of people is not available yet; create people in the admin API',
  }),
  enabled: z.boolean(),
};

export const CreateIdentityProviderDto = z.strictObject({
  issuer: Fields.issuer,
  clientId: Fields.clientId.optional(),
  clientSecretRef: Fields.clientSecretRef.optional(),
  jwksUrl: Fields.jwksUrl.optional(),
  personClaim: Fields.personClaim.default('email'),
  allowedEmailDomains: Fields.allowedEmailDomains.default([]),
  groupClaim: Fields.groupClaim.optional(),
  groupRoles: Fields.groupRoles.default({}),
  jitProvisioning: Fields.jitProvisioning.default(false),
  enabled: Fields.enabled.default(true),
});
export type CreateIdentityProviderDto = z.output<typeof CreateIdentityProviderDto>;

export const UpdateIdentityProviderDto = z.strictObject({
  issuer: Fields.issuer.optional(),
  clientId: Fields.clientId.optional(),
  clientSecretRef: Fields.clientSecretRef.optional(),
  jwksUrl: Fields.jwksUrl.optional(),
  personClaim: Fields.personClaim.optional(),
  allowedEmailDomains: Fields.allowedEmailDomains.optional(),
  groupClaim: Fields.groupClaim.optional(),
  groupRoles: Fields.groupRoles.optional(),
  jitProvisioning: Fields.jitProvisioning.optional(),
  enabled: Fields.enabled.optional(),
});
export type UpdateIdentityProviderDto = z.output<typeof UpdateIdentityProviderDto>;
