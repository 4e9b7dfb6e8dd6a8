import type { ProgressToken, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { CallDecision } from './ports';

/** What the replica relaying a call stores so that another one can finish it. */
export interface InflightCallRecord {
  v: 1;
  sessionId: string;
  streamId: string;
  clientRequestId: RequestId;
  method: string;
  tool?: string;
  /** The policy decision of the original replica (tools/call), for the taker's audit event. */
  decision?: { effect: CallDecision['effect']; matchedRules: string[] };
  slug: string;
  /** 'approval': the call was waiting for a person's approval; no upstream call exists yet. */
  kind?: 'approval';
  /** Absent while waiting for approval. */
  upstreamRequestId?: string;
  upstreamSessionId?: string;
  /** The upstream's SSE event id of the last relayed message: where its stream resumes. */
  upstreamEventId?: string;
  clientProgressToken?: ProgressToken;
  gatewayProgressToken?: string;
}

/**
 * What a relayed message carries about its call, so the replica that logs it can also store
 * how to finish the call should it die (the record minus where it is logged).
 */
export type InflightNote = Omit<InflightCallRecord, 'v' | 'sessionId' | 'streamId'>;
