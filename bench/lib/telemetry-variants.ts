/**
 * Gateway telemetry configurations to compare. A variant is `name` or `name:KEY=value,KEY=value`
 * (extra gateway environment; `BENCH_DIST=dir` runs that build instead of BENCH_DIST's). `off`
 * (and `off-*`) has no OTEL_* at all; every other variant exports traces to
 * the benchmark's no-op collector, so `on` is "everything, every trace" and e.g.
 * `noredis:OTEL_NODE_DISABLED_INSTRUMENTATIONS=ioredis` or
 * `sampled:OTEL_TRACES_SAMPLER=parentbased_traceidratio,OTEL_TRACES_SAMPLER_ARG=0.1` narrow it.
 */
export interface TelemetryVariant {
  name: string;
  env: Record<string, string>;
}

export const DEFAULT_VARIANTS =
  'off;on;sampled:OTEL_TRACES_SAMPLER=parentbased_traceidratio,OTEL_TRACES_SAMPLER_ARG=0.1';

export function parseVariants(spec: string, collectorUrl: string): TelemetryVariant[] {
  return spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const colon = s.indexOf(':');
      const name = colon < 0 ? s : s.slice(0, colon);
      const extra = colon < 0 ? '' : s.slice(colon + 1);
      const env: Record<string, string> =
        name === 'off' || name.startsWith('off-')
          ? {}
          : { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_SERVICE_NAME: 'gateway-bench' };
      // Pairs are split at commas followed by KEY=, so values may hold commas (a,b,c).
      for (const pair of extra.split(/,(?=[A-Za-z_][A-Za-z0-9_]*=)/).filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      return { name, env };
    });
}
