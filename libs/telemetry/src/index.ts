export { createLogger, REDACTED_PATHS, type Logger } from './logger';
export {
  activeTraceIds,
  annotateActiveSpan,
  gatehouseTracer,
  injectTraceHeaders,
  injectTraceMeta,
  linkTo,
  recordFailure,
  startServerSpan,
  TRACE_META_KEYS,
  withSpan,
} from './tracing';
export { shutdownTelemetry } from './lifecycle';
export {
  describeMcpRequest,
  EXECUTE_TOOL,
  McpAttributes,
  upstreamServerAttributes,
} from './trace-attributes';
export {
  configureMetrics,
  gatehouseMetrics,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheusMetrics,
  type GatehouseMetrics,
} from './metrics';
export { SpanKind, type Link, type ObservableCallback, type Span } from '@opentelemetry/api';
