import { startAuditService, type AuditServiceHandle } from '@gatehouse/audit-worker';
import { createAuditSink, type ClosableAuditSink } from '@gatehouse/gateway-adapters';
import { connectClient } from './support/mcp-client';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

describe('audit trail end to end: gateway → Redis Stream → audit-service → Postgres', () => {
  let h: GatewayHarness;
  let sink: ClosableAuditSink;
  let service: AuditServiceHandle;
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 2 });
    // Swap the harness's in-memory sink for the real one on both replicas.
    sink = createAuditSink(h.runtimes[0]!);
    h.audit.record = (event) => sink.record(event);
    service = await startAuditService(h.runtimes[1]!, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await service.close();
    await sink.close();
    await h.close();
  });

  it('records who called what, in which session, with the decision, exactly once', async () => {
    const { client, transport } = await connectClient(h.gateways[0]!.url, h.member.token);
    await client.callTool({ name: 'beta__add', arguments: { a: 1, b: 2, password: 'hunter2' } });
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const events = h.runtimes[0]!.repos.auditEvents;
    let page;
    for (let i = 0; i < 100; i++) {
      page = await events.query(h.tenant.id, { sessionId }, { limit: 50 });
      if (page.items.some((e) => e.method === 'session/end')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const methods = page!.items.map((e) => e.method).sort();
    expect(methods).toEqual(['initialize', 'session/end', 'tools/call']);
    const call = page!.items.find((e) => e.method === 'tools/call')!;
    expect(call).toMatchObject({
      personId: h.member.person.id,
      upstream: 'beta',
      tool: 'add',
      decision: 'allow',
      outcome: 'ok',
      clientName: 'e2e-client',
    });
    expect(JSON.stringify(call.arguments)).not.toContain('hunter2');
    const ready = await fetch(`${service.health.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
