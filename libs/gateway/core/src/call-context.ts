import type { Identity } from '@gatehouse/auth';
import type { SessionWithUpstreams } from '@gatehouse/session-store';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';
import type { ResponseStream } from './response-stream';

/** Everything a request inside a session needs, established once per HTTP request. */
export interface CallContext {
  identity: Identity;
  session: SessionWithUpstreams;
  /** Upstreams this caller may reach on this session's route. */
  upstreams: UpstreamConfig[];
  stream: ResponseStream;
  signal: AbortSignal;
  /** Headers to propagate upstream (W3C trace context). */
  propagate: Record<string, string>;
  clientAddress: string;
  userAgent: string | undefined;
  requestId?: RequestId;
}
