import type { Identity } from '@gatehouse/auth';
import type { SessionWithUpstreams } from '@gatehouse/session-store';
import type { UpstreamConfig } from './ports';
import type { ResponseStream } from './response-stream';

/** What the requests of one POST share (each request is a Call), established once per POST. */
export interface CallContext {
  identity: Identity;
  session: SessionWithUpstreams;
  /** Upstreams this caller may reach on this session's route. */
  upstreams: UpstreamConfig[];
  stream: ResponseStream;
  /** Headers to propagate upstream (W3C trace context). */
  propagate: Record<string, string>;
  clientAddress: string;
  userAgent: string | undefined;
}
