import { z } from 'zod';
import { AuditEventV1 } from './audit-event.schema';

/** Ends every value the producer or the audit-service shortened: `…[truncated from N chars]`. */
export const TRUNCATION_MARK = '…[truncated from ';

/**
 * The schema's limits for the fields that can be fitted: text fields (max length) and text
 * lists (max items, max length per item), read from AuditEventV1 itself so the two can never
 * disagree.
 */
const LIMITS = (() => {
  const text = new Map<string, number>();
  const lists = new Map<string, { items: number; length: number }>();
  for (const [key, field] of Object.entries(AuditEventV1.shape)) {
    const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
    if (inner instanceof z.ZodString && inner.maxLength !== null) text.set(key, inner.maxLength);
    if (inner instanceof z.ZodArray && inner.element instanceof z.ZodString) {
      const items = inner.def.checks?.find((check) => check._zod.def.check === 'max_length');
      const max = (items?._zod.def as { maximum?: number } | undefined)?.maximum;
      const length = inner.element.maxLength;
      if (max !== undefined && length !== null) lists.set(key, { items: max, length });
    }
  }
  return { text, lists };
})();

// A lone surrogate (either half without its partner) or NUL: text Postgres cannot store.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` made storable within `max` characters: NUL and lone surrogates become U+FFFD, and an
 * over-long value is cut (never inside a surrogate pair) and ends with the truncation mark and
 * its original length, so a reader of the trail sees that and how much was cut.
 */
export function fitText(text: string, max: number): string {
  const clean = text.replace(UNSTORABLE, '\uFFFD');
  if (clean.length <= max) return clean;
  const mark = `${TRUNCATION_MARK}${clean.length} chars]`;
  let cut = Math.max(0, max - mark.length);
  const last = clean.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return (clean.slice(0, cut) + mark).slice(0, max);
}

/**
 * Fits every text field (and text list) of an audit event, as parsed JSON or as built, to the
 * schema's limits; returns the same object when nothing needed fitting. Other fields are left
 * for the schema to judge.
 */
export function fitAuditFields<T>(event: T): T {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return event;
  const record = event as Record<string, unknown>;
  let fitted: Record<string, unknown> | undefined;
  const set = (key: string, value: unknown) => {
    fitted ??= { ...record };
    fitted[key] = value;
  };
  for (const [key, max] of LIMITS.text) {
    const value = record[key];
    if (typeof value !== 'string') continue;
    const fit = fitText(value, max);
    if (fit !== value) set(key, fit);
  }
  for (const [key, limit] of LIMITS.lists) {
    const value = record[key];
    if (!Array.isArray(value)) continue;
    const fit = value
      .slice(0, limit.items)
      .map((item: unknown) => (typeof item === 'string' ? fitText(item, limit.length) : item));
    if (fit.length !== value.length || fit.some((item, i) => item !== value[i])) set(key, fit);
  }
  return (fitted ?? event) as T;
}
