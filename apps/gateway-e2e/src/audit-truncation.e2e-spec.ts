import { Redis } from 'ioredis';
import { toAuditEvent, TRUNCATION_MARK } from '@gatehouse/audit-contracts';
import { auditStreamKeys } from '@gatehouse/audit-stream';
import { startAuditService, type AuditServiceHandle } from '@gatehouse/audit-worker';
import { createAuditSink, type ClosableAuditSink } from '@gatehouse/gateway-adapters';
import { rawMcp, rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

const MARKED = /…\[truncated from 100000 chars\]$/;

describe('oversized audit fields reach the Postgres trail, truncated and marked', () => {
  let h: GatewayHarness;
  let sink: ClosableAuditSink;
  let service: AuditServiceHandle;
  let redis: Redis;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
    sink = createAuditSink(h.runtimes[0]!);
    h.audit.record = (event) => sink.record(event);
    service = await startAuditService(h.runtimes[0]!, { host: '127.0.0.1', port: 0 });
    redis = new Redis(h.env['REDIS_URL']!);
  });
  afterAll(async () => {
    redis.disconnect();
    await service.close();
    await sink.close();
    await h.close();
  });

  const storedMethods = async (where: { sessionId?: string }) => {
    const events = h.runtimes[0]!.repos.auditEvents;
    for (let i = 0; i < 200; i++) {
      const page = await events.query(h.tenant.id, where, { limit: 50 });
      const long = page.items.filter((e) => e.method.includes(TRUNCATION_MARK));
      if (long.length > 0) return long.map((e) => e.method);
      await new Promise((r) => setTimeout(r, 100));
    }
    return [];
  };

  it('a request whose method is 100,000 characters shows in the trail', async () => {
    const { session, version } = await rawSession(h.gateways[0]!.url, h.member.token);
    const method = `x/${'m'.repeat(99_998)}`;
    const answer = await rawMcp(
      h.gateways[0]!.url,
      { jsonrpc: '2.0', id: 1, method },
      { token: h.member.token, session, version },
    );
    expect(answer.status).toBeLessThan(500);
    const [stored] = await storedMethods({ sessionId: session });
    expect(stored).toHaveLength(256);
    expect(stored?.startsWith('x/mmm')).toBe(true);
    expect(stored).toMatch(MARKED);
    expect(service.worker.deadLettered).toBe(0);
  });

  it('the audit-service keeps an over-long event from another producer instead of dead-lettering it', async () => {
    const event = toAuditEvent(
      { tenantId: h.tenant.id, sessionId: 'from-an-older-producer', method: 'm', outcome: 'ok' },
      { mode: 'none', maxBytes: 0 },
    );
    const keys = auditStreamKeys(h.env['REDIS_KEY_PREFIX']!);
    const payload = JSON.stringify({ ...event, method: 'o'.repeat(100_000) });
    await redis.xadd(keys.stream, '*', 'event', payload);
    const [stored] = await storedMethods({ sessionId: 'from-an-older-producer' });
    expect(stored).toMatch(MARKED);
    expect(await redis.xlen(keys.dead)).toBe(0);
  });
});
