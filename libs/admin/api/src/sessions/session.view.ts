import type { SessionSummary } from '@gatehouse/session-store';

export interface SessionView {
  id: string;
  personId: string;
  client: { name: string; version: string };
  route: SessionSummary['route'];
  startedAt: string;
  lastSeenAt: string;
}

export function sessionView(session: SessionSummary): SessionView {
  return {
    id: session.id,
    personId: session.personId,
    client: { name: session.clientName, version: session.clientVersion },
    route: session.route,
    startedAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
  };
}
