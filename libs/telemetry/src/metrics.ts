import { metrics, type Attributes, type ObservableResult } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';

const METER_NAME = '@gatehouse/telemetry';
const DURATION_BUCKETS_S = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** What a replica reports; one instrument per question an SRE asks. See docs/observability.md. */
function createInstruments(provider: MeterProvider) {
  const meter = provider.getMeter(METER_NAME);
  return {
    requests: meter.createCounter('gatehouse.mcp.requests', {
      description: 'MCP requests handled, by method, upstream, policy decision and outcome',
    }),
    requestDuration: meter.createHistogram('gatehouse.mcp.request.duration', {
      description: 'Time from receiving an MCP request to its response',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    }),
    upstreamRequestDuration: meter.createHistogram('gatehouse.upstream.request.duration', {
      description:
        "Time an upstream took to answer a relayed request, from sending it to its response, by upstream, method and error type; a request's gateway overhead is gatehouse.mcp.request.duration minus this",
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    }),
    activeSessions: meter.createObservableGauge('gatehouse.sessions.active', {
      description:
        'Live MCP sessions of the whole installation (ended and expired ones excluded), read from the session store; every gateway replica reports the same value: aggregate with max, not sum',
    }),
    openStreams: meter.createUpDownCounter('gatehouse.streams.open', {
      description: 'SSE GET streams open on this replica',
    }),
    approvalsPending: meter.createUpDownCounter('gatehouse.approvals.pending', {
      description: 'Tool calls on this replica waiting for an approver',
    }),
    upstreamErrors: meter.createCounter('gatehouse.upstream.errors', {
      description:
        'Upstream requests that failed (transport, timeout, JSON-RPC error), by upstream',
    }),
    upstreamsLeftOut: meter.createCounter('gatehouse.upstream.left_out', {
      description:
        "Times an upstream was left out of a client's lists because it cannot be served in the client's protocol era (or refuses every era), by upstream, client era and reason",
    }),
    callsTakenOver: meter.createCounter('gatehouse.calls.taken_over', {
      description:
        'In-flight calls this replica finished for a dead replica, by upstream and outcome (upstream_error when the call was lost)',
    }),
    limitRefusals: meter.createCounter('gatehouse.limits.refused', {
      description:
        'Tool calls refused by a rate limit, concurrency limit or quota (never relayed), by limit and kind',
    }),
    limiterUnavailable: meter.createCounter('gatehouse.limits.unavailable', {
      description:
        'Tool calls the limiter could not count because its Redis did not answer in time, by what the tenant chose (allow: let through uncounted; refuse: 503)',
    }),
    tokenCacheLookups: meter.createCounter('gatehouse.auth.token_cache.lookups', {
      description: 'Token lookups by result (hit or miss); hit ratio = hit / all',
    }),
    configSnapshotServedAge: meter.createObservableGauge('gatehouse.config.snapshot.served_age', {
      description:
        'Age of the Redis config snapshot this replica served in the last 30 s because Postgres did not answer (0: served from Postgres); alert well before CONFIG_SNAPSHOT_MAX_AGE_MS',
      unit: 's',
    }),
    auditDeadLetters: meter.createCounter('gatehouse.audit.dead_letters', {
      description: 'Audit events moved to the dead-letter stream',
    }),
    auditEventsStored: meter.createCounter('gatehouse.audit.events.stored', {
      description: 'Audit events written to Postgres by the audit worker',
    }),
    auditStreamLag: meter.createObservableGauge('gatehouse.audit.stream.lag', {
      description: 'Audit stream entries not yet delivered to the consumer group',
    }),
    auditStreamPending: meter.createObservableGauge('gatehouse.audit.stream.pending', {
      description: 'Audit stream entries delivered but not yet acknowledged',
    }),
  };
}

export type GatehouseMetrics = ReturnType<typeof createInstruments>;
export type { Attributes, ObservableResult };

interface MetricsState {
  provider: MeterProvider;
  prometheus: PrometheusExporter;
  instruments: GatehouseMetrics;
}

let state: MetricsState | undefined;

/**
 * Creates the process's MeterProvider: always a Prometheus reader (served at /metrics by each
 * app), plus `extraReaders` (OTLP when configured). Called by the preload before anything
 * records; without it the first use creates a Prometheus-only provider.
 */
export function configureMetrics(
  options: { resource?: Resource; extraReaders?: IMetricReader[] } = {},
): GatehouseMetrics {
  if (state) return state.instruments;
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    ...(options.resource ? { resource: options.resource } : {}),
    readers: [prometheus, ...(options.extraReaders ?? [])],
    // One view for every instrument: one aggregation shared by all readers. Without a view the
    // SDK keeps one per reader, so with OTLP next to Prometheus every measurement (three per
    // tool call) was hashed and aggregated twice.
    views: [{ instrumentName: '*' }],
  });
  metrics.setGlobalMeterProvider(provider);
  state = { provider, prometheus, instruments: createInstruments(provider) };
  return state.instruments;
}

/** The Gatehouse instruments (one set per process, shared by the replicas a test starts). */
export function gatehouseMetrics(): GatehouseMetrics {
  return state?.instruments ?? configureMetrics();
}

const serializer = new PrometheusSerializer();

/** Every metric of this process in the Prometheus text exposition format. */
export async function renderPrometheusMetrics(): Promise<string> {
  if (!state) configureMetrics();
  const prometheus = state?.prometheus;
  if (!prometheus) return '';
  const { resourceMetrics } = await prometheus.collect();
  return serializer.serialize(resourceMetrics);
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export async function shutdownMetrics(): Promise<void> {
  await state?.provider.shutdown();
}
