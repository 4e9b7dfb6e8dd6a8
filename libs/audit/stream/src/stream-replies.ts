import { AuditStreamError } from './audit-stream.errors';
import { EVENT_FIELD } from './audit-stream-keys';

/** One stream entry as read by a consumer; `payload` is undefined when the field is missing. */
export interface StreamEntry {
  streamId: string;
  payload: string | undefined;
}

function protocol(what: string): AuditStreamError {
  return new AuditStreamError('AUDIT_STREAM_PROTOCOL', `Unexpected Redis reply for ${what}.`);
}

export function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw protocol(what);
  return value as unknown[];
}

export function asString(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw protocol(what);
}

/** `[[id, [field, value, ...]], ...]` → entries (a deleted entry comes as `[id, null]`). */
export function parseEntries(value: unknown): StreamEntry[] {
  return asArray(value, 'stream entries').map((raw) => {
    const [id, fields] = asArray(raw, 'stream entry');
    const streamId = asString(id, 'stream entry id');
    if (!Array.isArray(fields)) return { streamId, payload: undefined };
    let payload: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (asString(fields[i], 'field name') === EVENT_FIELD) {
        payload = asString(fields[i + 1], 'field value');
      }
    }
    return { streamId, payload };
  });
}

/** XREADGROUP reply `[[key, entries]]` or null (timeout). */
export function parseReadGroup(value: unknown): StreamEntry[] {
  if (value === null) return [];
  const [first] = asArray(value, 'XREADGROUP');
  if (first === undefined) return [];
  const [, entries] = asArray(first, 'XREADGROUP stream');
  return parseEntries(entries);
}

/** Flat `[name, value, name, value]` reply (XINFO) → record. */
export function parseFlatRecord(value: unknown): Record<string, unknown> {
  const flat = asArray(value, 'XINFO record');
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[asString(flat[i], 'XINFO key')] = flat[i + 1];
  return record;
}
