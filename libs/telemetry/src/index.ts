export { createLogger, REDACTED_PATHS, type Logger } from './logger';
export {
  activeTraceIds,
  annotateActiveSpan,
  gatehouseTracer,
  injectTraceHeaders,
  linkTo,
  recordFailure,
  startServerSpan,
  withSpan,
} from './tracing';
export { describeMcpRequest, EXECUTE_TOOL, McpAttributes } from './trace-attributes';
export {
  configureMetrics,
  gatehouseMetrics,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheusMetrics,
  type GatehouseMetrics,
} from './metrics';
export { SpanKind, type Link, type ObservableCallback, type Span } from '@opentelemetry/api';
