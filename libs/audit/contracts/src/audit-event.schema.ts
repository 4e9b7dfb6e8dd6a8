import { z } from 'zod';

/**
 * Version 1 of the audit event, as it travels on the Redis Stream and is stored in Postgres.
 * Adding an optional field keeps `v: 1` (consumers strip keys they do not know); renaming,
 * removing or changing the meaning of a field needs `v: 2` and a consumer that reads both.
 */
const id = z.guid();
const text = (max: number) => z.string().min(1).max(max);

export const AUDIT_OUTCOMES = [
  'ok',
  'error',
  'upstream_error',
  'denied',
  'timed_out',
  // The client closed a 2026-07-28 call's response stream: the call was cancelled upstream.
  'cancelled',
] as const;
export const AUDIT_DECISIONS = ['allow', 'deny', 'require_approval'] as const;

export const AuditEventV1 = z.object({
  v: z.literal(1),
  /** UUIDv7 chosen by the producer: time-ordered, and the idempotency key of the write. */
  id: z.uuid({ version: 'v7' }),
  time: z.iso.datetime({ offset: true }),
  kind: z.enum(['mcp', 'admin']),
  tenantId: id,
  personId: id.optional(),
  tokenId: id.optional(),
  /** How a JWT-authenticated call signed in: the token's issuer and OAuth client, never the token. */
  authIssuer: text(1024).optional(),
  authClientId: text(512).optional(),
  sessionId: text(256).optional(),
  clientName: text(256).optional(),
  clientVersion: text(128).optional(),
  method: text(256),
  upstream: text(256).optional(),
  tool: text(512).optional(),
  decision: z.enum(AUDIT_DECISIONS).optional(),
  matchedRules: z.array(text(256)).max(256),
  approvalId: id.optional(),
  outcome: z.enum(AUDIT_OUTCOMES),
  /** JSON-RPC error code (or HTTP status for admin events). */
  errorCode: z.number().int().optional(),
  latencyMs: z.number().int().min(0).max(2_147_483_647).optional(),
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  spanId: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
  clientAddress: text(128).optional(),
  userAgent: text(1024).optional(),
  /** Already redacted and size-capped by the producer (see redactArguments). */
  arguments: z.json().optional(),
  resultSummary: z.json().optional(),
  /** Admin changes: `{ before, after }`. */
  details: z.json().optional(),
});

export type AuditEventV1 = z.infer<typeof AuditEventV1>;

export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];
