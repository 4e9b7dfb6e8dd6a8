import { z } from 'zod';
import { AuditEventV1 } from './audit-event.schema';
import { fitAuditFields } from './fit-audit-fields';

/**
 * AuditEventV1 for values that come out of JSON.parse: those are JSON by construction, so the
 * free-form fields skip z.json()'s recursive walk (about a fifth of the audit-service's
 * validation time per event). Every other rule is the same schema's.
 */
const AuditEventV1FromJson = AuditEventV1.extend({
  arguments: z.unknown().optional(),
  resultSummary: z.unknown().optional(),
  details: z.unknown().optional(),
});
/** `fitted`: a text field was over its limit and was truncated with a mark (fitAuditFields). */
export type ParsedAuditEvent =
  { ok: true; event: AuditEventV1; fitted: boolean } | { ok: false; reason: string };

/** Parses one stream payload; never throws: a bad payload comes back with a readable reason. */
export function parseAuditEventJson(payload: string | undefined | null): ParsedAuditEvent {
  if (payload === undefined || payload === null) {
    return { ok: false, reason: 'MISSING_PAYLOAD: the stream entry has no "event" field' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(payload);
  } catch (error) {
    return { ok: false, reason: `INVALID_JSON: ${(error as Error).message}` };
  }
  const result = AuditEventV1FromJson.safeParse(raw);
  if (result.success) return { ok: true, event: result.data as AuditEventV1, fitted: false };
  // Keep what can be kept: an event from an older producer (or another tool) with a field over
  // its limit is stored truncated and marked rather than dead-lettered.
  const fitted = fitAuditFields(raw);
  if (fitted !== raw) {
    const retried = AuditEventV1FromJson.safeParse(fitted);
    if (retried.success) return { ok: true, event: retried.data as AuditEventV1, fitted: true };
  }
  const issues = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason: `SCHEMA_VIOLATION: ${issues}` };
}
