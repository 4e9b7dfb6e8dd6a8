import { AuditEventV1 } from './audit-event.schema';
import { fitAuditFields, fitText, TRUNCATION_MARK } from './fit-audit-fields';
import { toAuditEvent } from './to-audit-event';

const TENANT = '0190a0b0-0000-7000-8000-000000000001';

describe('fitting audit fields to the schema', () => {
  it('truncates to the limit with a mark naming the original length', () => {
    const fitted = fitText('m'.repeat(100_000), 256);
    expect(fitted).toHaveLength(256);
    expect(fitted.startsWith('mmm')).toBe(true);
    expect(fitted.endsWith(`${TRUNCATION_MARK}100000 chars]`)).toBe(true);
    expect(fitText('short', 256)).toBe('short');
  });

  it('never splits a surrogate pair and replaces NUL and lone surrogates', () => {
    const emoji = '\u{1F600}'.repeat(200);
    const fitted = fitText(emoji, 100);
    expect(fitted.length).toBeLessThanOrEqual(100);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(fitted)).toBe(false);
    expect(fitText('a\u0000b\uD800c', 10)).toBe('a\uFFFDb\uFFFDc');
  });

  it('makes an event with oversized fields valid, and leaves a valid one as it is', () => {
    const event = toAuditEvent(
      { tenantId: TENANT, method: 'tools/call', outcome: 'ok' },
      { mode: 'none', maxBytes: 0 },
    );
    expect(fitAuditFields(event)).toBe(event);
    const oversized = {
      ...event,
      method: 'x'.repeat(100_000),
      tool: 't'.repeat(600),
      userAgent: 'u'.repeat(5_000),
      matchedRules: Array.from({ length: 300 }, () => 'r'.repeat(300)),
    };
    expect(AuditEventV1.safeParse(oversized).success).toBe(false);
    const fitted = fitAuditFields(oversized);
    expect(AuditEventV1.safeParse(fitted).success).toBe(true);
    expect(fitted.method).toHaveLength(256);
    expect(fitted.matchedRules).toHaveLength(256);
    expect(oversized.method).toHaveLength(100_000);
  });

  it('is applied by the producer: toAuditEvent builds a valid event from a 100,000-character method', () => {
    const event = toAuditEvent(
      { tenantId: TENANT, method: 'm'.repeat(100_000), tool: 'a\u0000', outcome: 'error' },
      { mode: 'none', maxBytes: 0 },
    );
    expect(AuditEventV1.safeParse(event).success).toBe(true);
    expect(event.method).toContain(TRUNCATION_MARK);
    expect(event.tool).toBe('a\uFFFD');
  });
});
