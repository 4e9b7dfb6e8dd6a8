import { connectClient } from '../support/mcp-client';
import { CallLoad } from './support/call-load';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import {
  auditRowsByText,
  metricValue,
  sampleAuditWorker,
  sampleReadiness,
  Sampler,
  type AuditWorkerSample,
  type ReadinessSample,
} from './support/observe';
import { waitFor } from './support/owned-process';

/** The issue asks for 30 s; FAULTS_PG_OUTAGE_MS shortens it while working on the test. */
const OUTAGE_MS = Number(process.env['FAULTS_PG_OUTAGE_MS'] ?? 30_000);
const WORKERS = 4;

/**
 * Postgres stops for 30 s while four sessions call tools on two gateway replicas (separate
 * processes) with the audit-service draining the audit stream. Calls must keep working from the
 * replicas' caches (tokens, upstream directory, policy, tool pins, tenant audit settings); the
 * audit events wait in the Redis stream and, once Postgres is back, every call has exactly one
 * audit row.
 */
describe('fault: Postgres stopped for 30 s under load', () => {
  let s: FaultStack;
  beforeAll(async () => {
    s = await startFaultStack({ gateways: 2, auditService: true });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  }, 60_000);

  it('keeps serving tool calls from cache, delays audit events, loses none', async () => {
    const [a, b] = s.gateways as [(typeof s.gateways)[0], (typeof s.gateways)[0]];
    const audit = s.auditService!;
    const clients = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        connectClient((i % 2 === 0 ? a : b).url, s.h.member.token).then((c) => c.client),
      ),
    );
    const load = new CallLoad(clients, { tag: 'pg', pauseMs: 50 });
    const gatewayReady = new Sampler<ReadinessSample>(() => sampleReadiness(a), 1000).start();
    const auditReady = new Sampler<ReadinessSample>(() => sampleReadiness(audit), 1000).start();
    const worker = new Sampler<AuditWorkerSample>(() => sampleAuditWorker(audit), 500).start();

    load.start();
    await new Promise((r) => setTimeout(r, 3000));
    const missesBefore = await metricValue(a, 'gatehouse_auth_token_cache_lookups_total', {
      result: 'miss',
    });

    const stoppedAt = Date.now();
    await s.postgres.stop('fast');
    // A session started during the outage: initialize must not need Postgres either.
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const late = await connectClient(b.url, s.h.member.token);
    const lateLoad = new CallLoad([late.client], { tag: 'pg-late', pauseMs: 50 });
    lateLoad.start();
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (Date.now() - stoppedAt)));
    const readyDuringOutage = {
      gateway: await sampleReadiness(a),
      audit: await sampleReadiness(audit),
    };
    const missesDuring =
      (await metricValue(a, 'gatehouse_auth_token_cache_lookups_total', { result: 'miss' })) -
      missesBefore;
    await s.postgres.start();
    const restartedAt = Date.now();

    await new Promise((r) => setTimeout(r, 2000));
    await Promise.all([load.stop(), lateLoad.stop()]);
    const stoppedLoadAt = Date.now();

    // Every call's audit row arrives (the worker retries with backoff, up to 30 s apart).
    const calls = [...load.calls, ...lateLoad.calls];
    let rows = new Map<string, number>();
    // Figures are collected even when a wait times out, so a failure still says what happened.
    const drainedAt = await waitFor(
      async () => {
        rows = await auditRowsByText(s.h.env['DATABASE_URL']!, s.h.tenant.id);
        return calls.every((c) => (rows.get(c.text) ?? 0) >= 1) ? Date.now() : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'an audit row for every call' },
    ).catch(() => NaN);
    const auditReadyAt = await waitFor(
      async () => ((await sampleReadiness(audit)).status === 200 ? Date.now() : undefined),
      { timeoutMs: 10_000, what: 'audit-service ready again' },
    ).catch(() => NaN);
    const samples = worker.stop();
    const gatewaySamples = gatewayReady.stop();
    const auditSamples = auditReady.stop();
    await Promise.all([...clients, late.client].map((c) => c.close()));

    const during = (c: { startedAt: number }) =>
      c.startedAt >= stoppedAt && c.startedAt < restartedAt;
    const all = { ...load.summary(), late: lateLoad.summary() };
    const outage = load.summary(during);
    const duplicates = calls.filter((c) => (rows.get(c.text) ?? 0) > 1).map((c) => c.text);
    const missing = calls.filter((c) => (rows.get(c.text) ?? 0) === 0).map((c) => c.text);
    const backlog = samples.map((x) => (x.lag ?? 0) + x.pending);
    const figures = {
      outageMs: restartedAt - stoppedAt,
      calls: all,
      callsDuringOutage: outage,
      newSessionDuringOutage: lateLoad.summary(),
      tokenCacheMissesDuringOutage: missesDuring,
      auditRows: {
        expected: calls.length,
        found: calls.filter((c) => rows.get(c.text) === 1).length,
        duplicates: duplicates.length,
        missing: missing.length,
      },
      auditLagPeak: Math.max(0, ...samples.map((x) => x.lag ?? 0)),
      auditBacklogPeak: Math.max(0, ...backlog),
      auditDrainedMsAfterPostgresBack: drainedAt - restartedAt,
      auditReadyMsAfterPostgresBack: auditReadyAt - restartedAt,
      loadStoppedMsAfterPostgresBack: stoppedLoadAt - restartedAt,
      readyDuringOutage,
      gatewayReadyz: summarize(gatewaySamples, stoppedAt, restartedAt),
      auditReadyz: summarize(auditSamples, stoppedAt, restartedAt),
    };
    console.log(`postgres-outage figures ${JSON.stringify(figures, null, 2)}`);
    if (all.failed + all.late.failed + missing.length + duplicates.length > 0)
      console.log(
        `first failures: ${JSON.stringify(calls.filter((c) => !c.ok).slice(0, 5), null, 2)}\n` +
          `missing: ${missing.slice(0, 10).join(', ')}\n${s.dumpOutput().slice(-6000)}`,
      );

    expect(all.failed).toBe(0);
    expect(all.late.failed).toBe(0);
    expect(outage.attempted).toBeGreaterThan(0);
    expect(lateLoad.calls.length).toBeGreaterThan(0);
    expect({ duplicates, missing }).toEqual({ duplicates: [], missing: [] });
    // The gateway serves every call from its caches, so it stays in rotation: degraded (200),
    // with the Postgres check named, rather than 503 (which would pull every replica out).
    expect(readyDuringOutage.gateway.status).toBe(200);
    expect(readyDuringOutage.gateway.checks['postgres']).not.toBe('ok');
    // The audit-service says why it is not ready while Postgres is away, and recovers.
    expect(readyDuringOutage.audit.status).toBe(503);
    expect(readyDuringOutage.audit.checks['postgres']).not.toBe('ok');
    expect(readyDuringOutage.audit.checks['worker']).toMatch(/degraded/);
    expect(figures.auditLagPeak + figures.auditBacklogPeak).toBeGreaterThan(0);
  });
});

/** Readiness statuses seen before, during and after the outage, with the checks that failed. */
function summarize(samples: ReadinessSample[], from: number, to: number) {
  const phase = (x: ReadinessSample) => (x.at < from ? 'before' : x.at < to ? 'during' : 'after');
  const out: Record<string, Record<string, number>> = {};
  for (const x of samples) {
    const failing = Object.entries(x.checks)
      .filter(([, v]) => v !== 'ok')
      .map(([k, v]) => `${k}: ${v.slice(0, 80)}`)
      .join('; ');
    const key = `${x.status}${failing ? ` (${failing})` : ''}`;
    const bucket = (out[phase(x)] ??= {});
    bucket[key] = (bucket[key] ?? 0) + 1;
  }
  return out;
}
