import { Inject, Injectable } from '@nestjs/common';
import type { Runtime } from '@gatehouse/app-kit';
import { BusChannels } from '@gatehouse/bus';
import type { Tenant } from '@gatehouse/data-access';
import { summarise } from '@gatehouse/session-store';
import { ADMIN_RUNTIME } from '../admin-deps';
import { recordAdminChange } from '../audit/record-admin-change';
import type { Caller } from '../auth/admin-request';
import { notFound } from '../common/admin-error';
import type { PageOf, PageQuery } from '../common/page-query';
import { sessionView, type SessionView } from './session.view';

@Injectable()
export class SessionsService {
  constructor(@Inject(ADMIN_RUNTIME) private readonly runtime: Runtime) {}

  async list(tenant: Tenant, page: PageQuery): Promise<PageOf<SessionView>> {
    const result = await this.runtime.sessions.listForTenant(tenant.id, page.limit, page.cursor);
    return { items: result.items.map(sessionView), nextCursor: result.nextCursor };
  }

  /**
   * Ends a live MCP session. Sessions live in the shared store, so the next request on it gets
   * 404 from every gateway replica; the bus message lets replicas close streams they hold.
   */
  async terminate(caller: Caller, tenant: Tenant, sessionId: string): Promise<void> {
    const session = await this.runtime.sessions.get(sessionId);
    if (!session || session.tenantId !== tenant.id) throw notFound('session');
    await this.runtime.sessions.delete(sessionId);
    await this.runtime.bus.publish(BusChannels.sessionTerminated, {
      tenantId: tenant.id,
      sessionId,
    });
    await recordAdminChange(this.runtime, caller, {
      tenantId: tenant.id,
      method: 'admin.sessions.terminate',
      target: { type: 'session', id: sessionId },
      before: sessionView(summarise(session)),
      after: null,
    });
  }
}
