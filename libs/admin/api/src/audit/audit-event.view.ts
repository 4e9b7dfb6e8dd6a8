import type { AuditEvent } from '@gatehouse/data-access';

/** One audit event as the API and the exports show it (arguments were redacted when stored). */
export interface AuditEventView {
  id: string;
  time: string;
  kind: string;
  personId: string | null;
  tokenId: string | null;
  authIssuer: string | null;
  authClientId: string | null;
  sessionId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  method: string;
  upstream: string | null;
  tool: string | null;
  decision: string | null;
  matchedRules: string[];
  approvalId: string | null;
  outcome: string;
  errorCode: number | null;
  latencyMs: number | null;
  traceId: string | null;
  spanId: string | null;
  clientAddress: string | null;
  userAgent: string | null;
  arguments: unknown;
  resultSummary: unknown;
  details: unknown;
}

export function auditEventView(event: AuditEvent): AuditEventView {
  return {
    id: event.id,
    time: event.time.toISOString(),
    kind: event.kind,
    personId: event.personId,
    tokenId: event.tokenId,
    authIssuer: event.authIssuer,
    authClientId: event.authClientId,
    sessionId: event.sessionId,
    clientName: event.clientName,
    clientVersion: event.clientVersion,
    method: event.method,
    upstream: event.upstream,
    tool: event.tool,
    decision: event.decision,
    matchedRules: event.matchedRules,
    approvalId: event.approvalId,
    outcome: event.outcome,
    errorCode: event.errorCode,
    latencyMs: event.latencyMs,
    traceId: event.traceId,
    spanId: event.spanId,
    clientAddress: event.clientAddress,
    userAgent: event.userAgent,
    arguments: event.arguments,
    resultSummary: event.resultSummary,
    details: event.details,
  };
}

/** CSV columns, in order; JSON-valued fields are written as JSON text, rule ids space-separated. */
export const AUDIT_CSV_COLUMNS: readonly (keyof AuditEventView)[] = [
  'id',
  'time',
  'kind',
  'personId',
  'tokenId',
  'authIssuer',
  'authClientId',
  'sessionId',
  'clientName',
  'clientVersion',
  'method',
  'upstream',
  'tool',
  'decision',
  'matchedRules',
  'approvalId',
  'outcome',
  'errorCode',
  'latencyMs',
  'traceId',
  'spanId',
  'clientAddress',
  'userAgent',
  'arguments',
  'resultSummary',
  'details',
];

export function auditCsvRecord(view: AuditEventView): (string | number | null)[] {
  return AUDIT_CSV_COLUMNS.map((column) => {
    const value = view[column];
    if (column === 'matchedRules') return view.matchedRules.join(' ');
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || typeof value === 'number') return value;
    return JSON.stringify(value);
  });
}
