import { propagation } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { configureMetrics, shutdownMetrics } from './metrics';
import { carriesTraceHeaders } from './tracing';
import { registerTelemetry, type TelemetryHandle } from './lifecycle';

type Env = Record<string, string | undefined>;

/** Paths scraped or probed every few seconds: tracing them would drown the real traffic. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * Incoming requests the HTTP instrumentation leaves alone: the probes, and the MCP endpoint,
 * whose SERVER span the gateway makes itself (named and attributed per the MCP semantic
 * conventions, parent read from `_meta` or the headers): an HTTP span around it would be a
 * second server span per call for nothing but CPU.
 */
export function ignoredIncomingPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0] ?? '';
  return UNTRACED_PATHS.has(path) || path === '/mcp' || path.startsWith('/mcp/');
}

function listFromEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Traces are exported only when an OTLP endpoint or a traces exporter is configured. */
export function tracesEnabled(env: Env): boolean {
  if (env['OTEL_SDK_DISABLED'] === 'true') return false;
  const exporters = listFromEnv(env['OTEL_TRACES_EXPORTER']);
  if (exporters.includes('none')) return false;
  return (
    exporters.length > 0 ||
    Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'])
  );
}

/** OTLP metrics follow the same switch (Prometheus at /metrics is always on). */
export function otlpMetricsEnabled(env: Env): boolean {
  if (env['OTEL_SDK_DISABLED'] === 'true') return false;
  const exporters = listFromEnv(env['OTEL_METRICS_EXPORTER']);
  if (exporters.length > 0) return exporters.includes('otlp');
  return Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']);
}

/** service.name per app, version, environment and pod (OTEL_RESOURCE_ATTRIBUTES still merges in). */
export function gatehouseResource(serviceName: string, env: Env): Resource {
  const attributes: Record<string, string> = {
    'service.name': env['OTEL_SERVICE_NAME'] ?? serviceName,
    'service.namespace': 'gatehouse',
  };
  const optional: Record<string, string | undefined> = {
    'service.version': env['SERVICE_VERSION'] ?? env['npm_package_version'],
    'deployment.environment.name': env['DEPLOYMENT_ENVIRONMENT'] ?? env['NODE_ENV'],
    'k8s.pod.name': env['K8S_POD_NAME'] ?? env['POD_NAME'],
    'k8s.namespace.name': env['K8S_NAMESPACE'] ?? env['POD_NAMESPACE'],
    'service.instance.id': env['K8S_POD_NAME'] ?? env['HOSTNAME'],
  };
  for (const [key, value] of Object.entries(optional)) if (value) attributes[key] = value;
  return resourceFromAttributes(attributes);
}

/**
 * Apps whose every traced incoming request is an MCP request with its own SERVER span: the
 * HTTP instrumentation does not even hook their HTTP server (an ignored request still pays for
 * the hook, a context switch and the rebinding of its request and response emitters).
 */
const MCP_ONLY_SERVICES = new Set(['gateway']);

let fields: ReadonlySet<string> | undefined;

/** The registered propagator's header names (lower case), kept once a propagator is set. */
function propagatorFields(): ReadonlySet<string> {
  if (fields?.size) return fields;
  fields = new Set(propagation.fields().map((f) => f.toLowerCase()));
  return fields;
}

/**
 * undici's HTTP client spans, except for a request that already carries trace headers: the code
 * that built it traced it. The relay's MCP CLIENT span writes them into every upstream request,
 * so an undici span there would only repeat that span (and its duration histogram, every
 * call), and its `traceparent` would be a second, conflicting one. Other requests (JWKS, the
 * upstream session's initialize) keep their undici span.
 */
export function undiciInstrumentation(): UndiciInstrumentation {
  return new UndiciInstrumentation({
    ignoreRequestHook: (request) => carriesTraceHeaders(request.headers, propagatorFields()),
  });
}

/** http, undici, ioredis and prisma; OTEL_NODE_DISABLED_INSTRUMENTATIONS=ioredis,... turns some off. */
function instrumentations(disabled: string[], serviceName: string): Instrumentation[] {
  const all: Record<string, () => Instrumentation> = {
    http: () =>
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => ignoredIncomingPath(req.url),
        disableIncomingRequestInstrumentation: MCP_ONLY_SERVICES.has(serviceName),
      }),
    undici: () => undiciInstrumentation(),
    // Command names only: arguments hold session records and audit payloads (and cost CPU).
    ioredis: () =>
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (cmd) => cmd }),
    prisma: () => new PrismaInstrumentation(),
  };
  return Object.entries(all)
    .filter(([name]) => !disabled.includes(name))
    .map(([, create]) => create());
}

export type { TelemetryHandle };

/**
 * Starts OpenTelemetry for one app. Must run before Fastify, undici, ioredis and Prisma load
 * (see preload.ts). Without OTEL_* configuration no SDK is started: the API stays a no-op,
 * so spans cost a function call, and only the Prometheus metrics reader exists.
 */
export function startTelemetry(serviceName: string, env: Env = process.env): TelemetryHandle {
  const resource = gatehouseResource(serviceName, env);
  const otlpMetrics = otlpMetricsEnabled(env);
  configureMetrics({
    resource,
    extraReaders: otlpMetrics
      ? [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() })]
      : [],
  });
  if (!tracesEnabled(env)) return registerTelemetry({ tracing: false, shutdown: shutdownMetrics });

  const enabled = instrumentations(
    listFromEnv(env['OTEL_NODE_DISABLED_INSTRUMENTATIONS']),
    serviceName,
  );
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    // No traceExporter: NodeSDK builds it from OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_* (protocol
    // http/protobuf by default, as docker-compose sets), batched by a BatchSpanProcessor.
    // Metrics have their own provider (configureMetrics); logs go to stdout through pino.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: enabled,
  });
  sdk.start();
  return registerTelemetry({
    tracing: true,
    shutdown: async () => {
      await Promise.all([sdk.shutdown(), shutdownMetrics()]);
    },
  });
}
