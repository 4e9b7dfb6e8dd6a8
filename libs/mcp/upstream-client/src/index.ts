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
