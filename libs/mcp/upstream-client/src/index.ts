export { UpstreamClient } from './upstream-client';
export { UpstreamError, isUpstreamError, type UpstreamErrorCode } from './upstream-error';
export type {
  ExchangeContext,
  GetStreamOptions,
  GetStreamResult,
  InitializeParams,
  RequestContext,
  UpstreamClientOptions,
  UpstreamSession,
  UpstreamTarget,
} from './upstream-types';
export { classifyProbe, type EraVerdict, type ProbeOutcome } from './era-probe';
export {
  MODERN_PROTOCOL_VERSION,
  decodeHeaderValue,
  encodeHeaderValue,
  envelopeMeta,
  paramHeaders,
  type ModernCaller,
} from './modern-wire';
