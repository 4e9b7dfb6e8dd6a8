import { PolicyRuleSchema, PolicyTargetsSchema } from '@gatehouse/policy';
import { z } from 'zod';

/**
 * The fields of a policy rule as the engine defines them (PolicyRuleSchema), without the id the
 * database assigns. These check the shape only: the service validates the whole rule (with its
 * type-checked CEL condition) through PolicyRuleSchema before anything is saved.
 */
const { id: _id, ...Rule } = PolicyRuleSchema.shape;

export const CreatePolicyDto = z.strictObject({
  ...Rule,
  targets: PolicyTargetsSchema.optional(),
  enabled: Rule.enabled.default(true),
});
export type CreatePolicyDto = z.output<typeof CreatePolicyDto>;

/** Partial; `condition: null` and `description: null` remove them, `priority: null` resets to 0. */
export const UpdatePolicyDto = z.strictObject({
  name: Rule.name.optional(),
  description: Rule.description.unwrap().nullable().optional(),
  effect: Rule.effect.optional(),
  subjects: Rule.subjects.optional(),
  targets: PolicyTargetsSchema.optional(),
  condition: Rule.condition.unwrap().nullable().optional(),
  priority: Rule.priority.unwrap().nullable().optional(),
  enabled: Rule.enabled.optional(),
});
export type UpdatePolicyDto = z.output<typeof UpdatePolicyDto>;

const ToolAnnotationsDto = z.looseObject({
  title: z.string().optional(),
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});

/**
 * A hypothetical tool call. The person is named by id or email (neither: the caller); the tool's
 * annotations default to its pinned definition, its risk follows the upstream's trust setting
 * and any admin override, exactly as the gateway derives them.
 */
export const SimulatePolicyDto = z
  .strictObject({
    personId: z.uuid().optional(),
    email: z.email().optional(),
    upstream: z.string().min(1).max(256),
    tool: z.string().min(1).max(512),
    arguments: z.record(z.string(), z.unknown()).default({}),
    annotations: ToolAnnotationsDto.optional(),
    scopes: z.array(z.string().min(1).max(512)).max(100).default(['mcp:call']),
    client: z
      .strictObject({
        name: z.string().max(256).optional(),
        version: z.string().max(128).optional(),
      })
      .optional(),
  })
  .refine((body) => body.personId === undefined || body.email === undefined, {
    message: 'name the person by personId or by email, not both',
    path: ['email'],
  });
export type SimulatePolicyDto = z.output<typeof SimulatePolicyDto>;
