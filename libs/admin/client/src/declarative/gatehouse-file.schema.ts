import { RISK_LEVELS, ROLES } from '@gatehouse/policy';
import { z } from 'zod';

/**
 * `gatehouse.yaml`: the tenants of an installation with their upstreams, people and policy rules,
 * as `gatehouse apply` keeps them. Structural checks only; the admin API validates the rest (CEL
 * conditions, URL policy) when the file is applied. `gatehouse schema` prints this as a JSON
 * Schema for editors (gatehouse.schema.json).
 */
const Slug = (max: number) =>
  z
    .string()
    .regex(
      new RegExp(`^[a-z0-9](?:[a-z0-9-]{0,${max - 2}}[a-z0-9])?$`),
      `1-${max} lowercase letters, digits and inner dashes`,
    );

/** Where a secret comes from at apply time: never the file itself. */
export const SecretRef = z.union([
  z.strictObject({
    env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .describe('environment variable holding the value'),
  }),
  z.strictObject({
    file: z
      .string()
      .min(1)
      .describe('file holding the value, e.g. a mounted Kubernetes Secret key'),
  }),
]);
export type SecretRef = z.output<typeof SecretRef>;

export const CredentialsRef = z
  .strictObject({
    bearerToken: SecretRef.optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), SecretRef).optional(),
  })
  .describe('Sent to the upstream by the gateway; values only by reference (env or file)');

export const UpstreamEntry = z.strictObject({
  slug: Slug(40).describe('tool-name prefix: <slug>__<tool>'),
  name: z.string().trim().min(1).max(200).optional().describe('default: the slug'),
  url: z.string().min(1).max(2048),
  enabled: z.boolean().default(true),
  authMode: z
    .enum(['none', 'shared', 'per-person-secret', 'oauth'])
    .default('shared')
    .describe('per-person-secret: each person stores their own credential through the admin API'),
  annotationsTrusted: z.boolean().default(false),
  timeoutMs: z.number().int().min(100).max(600_000).nullable().default(null),
  credentials: CredentialsRef.nullable()
    .optional()
    .describe('absent: left as they are; null: none; else set from env/file references'),
});
export type UpstreamEntry = z.output<typeof UpstreamEntry>;

export const PersonEntry = z.strictObject({
  // Looser than z.email(): the bootstrap admin is admin@localhost, and export must round-trip.
  email: z
    .string()
    .max(320)
    .regex(/^[^@\s]+@[^@\s]+$/, 'an email address'),
  name: z.string().trim().min(1).max(200),
  roles: z.array(z.enum(ROLES)).min(1).default(['member']),
});
export type PersonEntry = z.output<typeof PersonEntry>;

export const PolicyEntry = z.strictObject({
  name: z.string().min(1).max(200).describe('identifies the rule: unique within the tenant'),
  description: z.string().max(2000).default(''),
  effect: z.enum(['allow', 'deny', 'require_approval']),
  subjects: z
    .array(z.string().min(1))
    .min(1)
    .describe("'*', 'role:<role>', 'person:<id>', 'email:<glob>'"),
  targets: z
    .strictObject({
      upstream: z.string().min(1).default('*'),
      tool: z.string().min(1).default('*'),
      risk: z.array(z.enum(RISK_LEVELS)).min(1).optional(),
    })
    .default({ upstream: '*', tool: '*' }),
  condition: z
    .string()
    .min(1)
    .max(4096)
    .nullable()
    .default(null)
    .describe('CEL over args, identity, session, tool, now'),
  priority: z.number().int().default(0),
  enabled: z.boolean().default(true),
});
export type PolicyEntry = z.output<typeof PolicyEntry>;

export const TenantSettings = z.strictObject({
  auditArguments: z.enum(['none', 'redacted', 'full']).optional(),
  auditArgumentsMaxBytes: z.number().int().min(0).max(1_048_576).optional(),
  hideChangedTools: z.boolean().optional(),
  auditFailOpen: z.boolean().optional(),
  retentionDays: z.number().int().min(1).max(3650).optional(),
});

function unique<T>(key: (item: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const k = key(item);
      if (seen.has(k))
        ctx.addIssue({ code: 'custom', message: `duplicate ${what} ${k}`, path: [index] });
      seen.add(k);
    });
  };
}

export const TenantEntry = z.strictObject({
  slug: Slug(63),
  name: z.string().trim().min(1).max(200),
  settings: TenantSettings.optional().describe('absent: left as they are'),
  upstreams: z
    .array(UpstreamEntry)
    .default([])
    .superRefine(unique((u) => u.slug, 'upstream')),
  people: z
    .array(PersonEntry)
    .default([])
    .superRefine(unique((p) => p.email.toLowerCase(), 'person')),
  policies: z
    .array(PolicyEntry)
    .default([])
    .superRefine(unique((p) => p.name, 'policy')),
});
export type TenantEntry = z.output<typeof TenantEntry>;

export const GatehouseFile = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    tenants: z
      .array(TenantEntry)
      .default([])
      .superRefine(unique((t) => t.slug, 'tenant')),
  })
  .describe('Gatehouse declarative configuration (gatehouse apply -f gatehouse.yaml)');
export type GatehouseFile = z.output<typeof GatehouseFile>;

/**
 * The JSON Schema of the file (input shape: defaults make fields optional): 2020-12 for editors
 * (gatehouse.schema.json), draft-07 for the Helm chart's values.schema.json, which embeds it.
 */
export function gatehouseFileJsonSchema(
  target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12',
): Record<string, unknown> {
  const schema = z.toJSONSchema(GatehouseFile, { target, io: 'input' }) as Record<string, unknown>;
  if (target === 'draft-7') {
    delete schema['$schema'];
    return schema;
  }
  return {
    ...schema,
    $id: 'https://gatehouse.dev/schemas/gatehouse.schema.json',
    title: 'gatehouse.yaml',
  };
}
