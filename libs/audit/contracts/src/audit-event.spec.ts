import { AuditEventV1 } from './audit-event.schema';
import { parseAuditEventJson } from './parse-audit-event';
import { toAuditEvent, type AuditSourceEvent } from './to-audit-event';

const TENANT = '0195b4c2-0000-4000-8000-000000000001';
const PERSON = '0195b4c2-0000-4000-8000-000000000002';

function gatewayEvent(overrides: Partial<AuditSourceEvent> = {}): AuditSourceEvent {
  return {
    tenantId: TENANT,
    personId: PERSON,
    tokenId: null,
    sessionId: 'sess-1',
    method: 'tools/call',
    upstream: 'github',
    tool: 'create_issue',
    decision: 'allow',
    matchedRules: ['r1'],
    outcome: 'ok',
    latencyMs: 12.6,
    arguments: { title: 'hi', token: 'gth_x' },
    ...overrides,
  };
}

describe('toAuditEvent', () => {
  it('builds a valid v1 event with a UUIDv7 id, redacted arguments and rounded latency', () => {
    const event = toAuditEvent(gatewayEvent(), {
      mode: 'redacted',
      maxBytes: 1000,
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
    });
    expect(AuditEventV1.parse(event)).toEqual(event);
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(event).toMatchObject({
      v: 1,
      kind: 'mcp',
      latencyMs: 13,
      arguments: { title: 'hi', token: '[redacted]' },
      traceId: 'a'.repeat(32),
    });
    expect(event).not.toHaveProperty('tokenId');
  });

  it('gives every event its own id, ordered by time', () => {
    const a = toAuditEvent(gatewayEvent(), { mode: 'none', maxBytes: 0, time: new Date(1000) });
    const b = toAuditEvent(gatewayEvent(), { mode: 'none', maxBytes: 0, time: new Date(2000) });
    expect(a.id < b.id).toBe(true);
    expect(a).not.toHaveProperty('arguments');
  });
});

describe('parseAuditEventJson', () => {
  const valid = toAuditEvent(gatewayEvent(), { mode: 'redacted', maxBytes: 1000 });

  it('accepts a valid event', () => {
    expect(parseAuditEventJson(JSON.stringify(valid))).toEqual({
      ok: true,
      event: valid,
      fitted: false,
    });
  });

  it.each([
    ['no payload', undefined, /MISSING_PAYLOAD/],
    ['not JSON', '{oops', /INVALID_JSON/],
    ['wrong version', JSON.stringify({ ...valid, v: 2 }), /SCHEMA_VIOLATION: v:/],
    ['a v4 id', JSON.stringify({ ...valid, id: PERSON }), /SCHEMA_VIOLATION: id:/],
    ['an unknown outcome', JSON.stringify({ ...valid, outcome: 'maybe' }), /outcome/],
  ])('rejects %s with a reason', (_name, payload, reason) => {
    const parsed = parseAuditEventJson(payload);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });

  it('keeps an event whose text field is over its limit, truncated and marked', () => {
    const parsed = parseAuditEventJson(JSON.stringify({ ...valid, method: 'm'.repeat(100_000) }));
    expect(parsed).toMatchObject({ ok: true, fitted: true });
    const method = parsed.ok ? parsed.event.method : '';
    expect(method).toHaveLength(256);
    expect(method).toMatch(/…\[truncated from 100000 chars\]$/);
  });

  it('still refuses an oversized event that has another problem', () => {
    const payload = JSON.stringify({ ...valid, method: 'm'.repeat(1000), outcome: 'maybe' });
    const parsed = parseAuditEventJson(payload);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(/method.*outcome|outcome/);
  });
});
