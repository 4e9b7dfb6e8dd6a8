import { z } from 'zod';

/**
 * What an upstream's credentials decrypt to. The same shape as the gateway's
 * UpstreamCredentialsSchema (libs/gateway/adapters/src/upstream-credentials.ts), which admin code may
 * not import across scopes; keep the two equal until the schema moves to a shared lib.
 */
export const UpstreamCredentialsDto = z.strictObject({
  bearerToken: z.string().min(1).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).optional(),
});
export type UpstreamCredentialsDto = z.output<typeof UpstreamCredentialsDto>;

/**
 * How the gateway authenticates to the upstream: `none`; `shared` (the upstream's `credentials`,
 * the same for everyone); `per-person-secret` (each person stores their own through
 * `/people/:p/upstream-credentials/:upstreamId`); `oauth` (reserved: refused until the OAuth
 * client side exists).
 */
export const UpstreamAuthModeDto = z.enum(['none', 'shared', 'per-person-secret', 'oauth']);
export type UpstreamAuthModeDto = z.output<typeof UpstreamAuthModeDto>;

/** A person's own credential for a per-person-secret upstream: a bearer token or header values. */
export const PersonalCredentialDto = UpstreamCredentialsDto.refine(
  (c) => c.bearerToken !== undefined || Object.keys(c.headers ?? {}).length > 0,
  { message: 'give bearerToken or at least one header' },
);
export type PersonalCredentialDto = z.output<typeof PersonalCredentialDto>;

/** Also the gateway's tool-name prefix (`<slug>__<tool>`): 1-40 of [a-z0-9-]. */
export const UpstreamSlug = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/,
    '1-40 lowercase letters, digits and inner dashes',
  );

const Fields = {
  slug: UpstreamSlug,
  name: z.string().trim().min(1).max(200),
  url: z.string().min(1).max(2048),
  enabled: z.boolean(),
  authMode: UpstreamAuthModeDto,
  /** Stored encrypted, never returned; null removes them. */
  credentials: UpstreamCredentialsDto.nullable(),
  annotationsTrusted: z.boolean(),
  timeoutMs: z.number().int().min(100).max(600_000).nullable(),
};

export const CreateUpstreamDto = z.strictObject({
  slug: Fields.slug,
  name: Fields.name,
  url: Fields.url,
  enabled: Fields.enabled.default(true),
  authMode: Fields.authMode.optional(),
  credentials: Fields.credentials.optional(),
  annotationsTrusted: Fields.annotationsTrusted.optional(),
  timeoutMs: Fields.timeoutMs.optional(),
});
export type CreateUpstreamDto = z.output<typeof CreateUpstreamDto>;

export const UpdateUpstreamDto = z.strictObject({
  slug: Fields.slug.optional(),
  name: Fields.name.optional(),
  url: Fields.url.optional(),
  enabled: Fields.enabled.optional(),
  authMode: Fields.authMode.optional(),
  credentials: Fields.credentials.optional(),
  annotationsTrusted: Fields.annotationsTrusted.optional(),
  timeoutMs: Fields.timeoutMs.optional(),
});
export type UpdateUpstreamDto = z.output<typeof UpdateUpstreamDto>;
