import { z } from 'zod';
import { RiskLevelSchema } from '../tool-risk';

/** What a rule counts separately: one counter per distinct combination of these. */
export const LIMIT_DIMENSIONS = ['tenant', 'person', 'token', 'upstream', 'tool'] as const;
export type LimitDimension = (typeof LIMIT_DIMENSIONS)[number];

const glob = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (value) => [...value].every((char) => char.charCodeAt(0) >= 0x20),
    'must not contain control characters',
  );

const count = (max: number) => z.number().int().min(1).max(max);

export const LimitRuleSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63'),
    /**
     * `tool_calls` (default): counts tools/call, refused with a JSON-RPC error. `requests`:
     * counts every HTTP request to /mcp (POST, GET, DELETE), refused with 429 and Retry-After;
     * keyed per tenant, person or token only, rate only, no match.
     */
    appliesTo: z.enum(['tool_calls', 'requests']).default('tool_calls'),
    /** Counted per tenant, person, token, upstream or tool (tool implies its upstream). */
    per: z
      .array(z.enum(LIMIT_DIMENSIONS))
      .min(1)
      .max(LIMIT_DIMENSIONS.length)
      .refine((dims) => new Set(dims).size === dims.length, 'list each dimension once'),
    /** Which calls the rule counts; absent fields match everything. */
    match: z
      .object({
        upstream: glob.optional(),
        tool: glob.optional(),
        risk: z.array(RiskLevelSchema).min(1).optional(),
      })
      .strict()
      .default({}),
    /** At most `requests` calls per `windowSeconds`, spread evenly (GCRA, bursts up to `requests`). */
    rate: z
      .object({ requests: count(1_000_000), windowSeconds: count(86_400) })
      .strict()
      .optional(),
    /** At most this many calls in flight at once. */
    concurrent: count(100_000).optional(),
  })
  .strict()
  .refine((rule) => rule.rate !== undefined || rule.concurrent !== undefined, {
    message: 'a rule needs rate, concurrent or both',
  })
  .refine(
    (rule) =>
      rule.appliesTo === 'tool_calls' ||
      (rule.rate !== undefined &&
        rule.concurrent === undefined &&
        Object.keys(rule.match).length === 0 &&
        rule.per.every((dimension) => ['tenant', 'person', 'token'].includes(dimension))),
    {
      message:
        'a requests rule has a rate only, no match, and is counted per tenant, person or token',
    },
  );

const QuotaSchema = z
  .object({ daily: count(1_000_000_000).optional(), monthly: count(1_000_000_000).optional() })
  .strict();

export const LimitsDocumentSchema = z
  .object({
    rules: z
      .array(LimitRuleSchema)
      .max(50)
      .default([])
      .refine(
        (rules) => new Set(rules.map((r) => r.name)).size === rules.length,
        'rule names must be unique',
      ),
    /** Tool calls per UTC day / calendar month (UTC) for the whole tenant and for each person. */
    quotas: z
      .object({ tenant: QuotaSchema.optional(), person: QuotaSchema.optional() })
      .strict()
      .default({}),
    /**
     * When the limiter's Redis does not answer within `redisTimeoutMs`: `allow` the call
     * unlimited (fail open) or `refuse` it with 503 (fail closed).
     */
    onRedisUnavailable: z.enum(['allow', 'refuse']).default('allow'),
    redisTimeoutMs: z.number().int().min(5).max(5_000).default(100),
  })
  .strict();

export type LimitRule = z.infer<typeof LimitRuleSchema>;
export type LimitsDocument = z.infer<typeof LimitsDocumentSchema>;
export type LimitsDocumentInput = z.input<typeof LimitsDocumentSchema>;

/** No rules, no quotas: nothing is counted and Redis is never asked. */
export const NO_LIMITS: LimitsDocument = LimitsDocumentSchema.parse({});
