import type { AuditSink, GatewayAuditEvent } from '@gatehouse/gateway-core';

/** Keeps the gateway's audit events in memory so a test can assert on them. */
export class CollectingAuditSink implements AuditSink {
  readonly events: GatewayAuditEvent[] = [];
  failing = false;

  async acceptsCalls(_tenantId: string): Promise<boolean> {
    return !this.failing;
  }

  async record(event: GatewayAuditEvent): Promise<void> {
    if (this.failing) throw new Error('audit sink unavailable');
    this.events.push(event);
  }
}
