import { z } from 'zod';
import { validateCondition } from './cel-condition';
import { RiskLevelSchema } from './tool-risk';

export const POLICY_EFFECTS = ['allow', 'deny', 'require_approval'] as const;
export const PolicyEffectSchema = z.enum(POLICY_EFFECTS);
export type PolicyEffect = z.infer<typeof PolicyEffectSchema>;

export const ROLES = ['platform-admin', 'admin', 'approver', 'member'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

const ROLE_SUBJECT = new RegExp(`^role:(${ROLES.join('|')})$`);
const PERSON_SUBJECT = /^person:\S+$/;
const EMAIL_SUBJECT = /^email:\S+$/;

/** `*`, `role:<role>`, `person:<id>` or `email:<glob>` (the email glob ignores case). */
export const SubjectSchema = z
  .string()
  .refine(
    (s) => s === '*' || ROLE_SUBJECT.test(s) || PERSON_SUBJECT.test(s) || EMAIL_SUBJECT.test(s),
    {
      message: `subject must be '*', 'role:<${ROLES.join('|')}>', 'person:<id>' or 'email:<glob>'`,
    },
  );

/** A glob with `*` and `?` as the only wildcards; no whitespace. */
const GlobSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^\S+$/, { message: 'a glob has no whitespace' });

export const PolicyTargetsSchema = z.strictObject({
  /** Upstream slug glob. */
  upstream: GlobSchema.default('*'),
  /** Tool name glob, as the upstream names it (without the `<slug>__` prefix); case-sensitive. */
  tool: GlobSchema.default('*'),
  /** When present, the rule only applies to tools of these risk levels. */
  risk: z.array(RiskLevelSchema).min(1).optional(),
});

/** The structure of a rule, without looking inside its CEL condition. */
export const PolicyRuleShapeSchema = z.strictObject({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  effect: PolicyEffectSchema,
  subjects: z.array(SubjectSchema).min(1),
  targets: PolicyTargetsSchema.default({ upstream: '*', tool: '*' }),
  condition: z.string().min(1).max(4096).optional(),
  /**
   * Orders matched rules in a decision (higher first); never changes the effect. A 32-bit
   * integer, as the column holds (and as the OpenAPI document, generated from this, says).
   */
  priority: z.int32().optional(),
  enabled: z.boolean(),
});

/**
 * A policy rule as the admin API accepts it: the shape plus a type-checked CEL condition, so a
 * broken condition is rejected (with its position) before it is saved.
 */
export const PolicyRuleSchema = PolicyRuleShapeSchema.superRefine((rule, ctx) => {
  if (rule.condition === undefined) return;
  const result = validateCondition(rule.condition);
  if (result.ok) return;
  const where = result.position
    ? ` (line ${result.position.line}, column ${result.position.column})`
    : '';
  ctx.addIssue({
    code: 'custom',
    path: ['condition'],
    message: `${result.message}${where}`,
    params: result.position ? { position: result.position } : {},
  });
});

export type PolicyRule = z.output<typeof PolicyRuleSchema>;
export type PolicyRuleInput = z.input<typeof PolicyRuleSchema>;
export type PolicyTargets = z.output<typeof PolicyTargetsSchema>;
