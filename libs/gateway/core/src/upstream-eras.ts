import { createHash } from 'node:crypto';
import {
  isUpstreamError,
  type EraVerdict,
  type UpstreamClient,
} from '@gatehouse/mcp-upstream-client';
import type { UpstreamEraRecord, UpstreamEraStore } from '@gatehouse/session-store';
import { gatehouseMetrics, type Logger } from '@gatehouse/telemetry';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';

/** A verdict is re-checked this often, so an upgraded (or downgraded) upstream is noticed. */
const VERDICT_TTL_SECONDS = 15 * 60;
/** How long the last failure stays visible in the admin API when nothing newer happens. */
const FAILURE_TTL_SECONDS = 60 * 60;

export type ClientEra = 'modern' | 'legacy';

/**
 * Knows each upstream's protocol era: probed once with `server/discover`, the verdict shared by
 * every replica through the era store, probed again when the upstream's URL or credentials
 * change, when its verdict ages out or when requests to it start failing. Failed probes decide
 * nothing and are not cached as a verdict (only as the last error the admin API shows).
 */
export class UpstreamEras {
  private readonly probes = new Map<string, Promise<EraVerdict>>();

  constructor(
    private readonly client: UpstreamClient,
    private readonly store: UpstreamEraStore,
    private readonly gatewayInfo: Implementation,
    private readonly logger: Logger,
  ) {}

  async verdictFor(upstream: UpstreamConfig, signal?: AbortSignal): Promise<EraVerdict> {
    const fingerprint = fingerprintOf(upstream);
    const cached = await this.store.get(upstream.tenantId, upstream.id).catch(() => undefined);
    if (cached && cached.fingerprint === fingerprint && cached.era !== 'unknown' && cached.verdict)
      return cached.verdict as EraVerdict;
    const key = `${upstream.id}:${fingerprint}`;
    let probe = this.probes.get(key);
    if (!probe) {
      probe = this.probe(upstream, fingerprint, signal).finally(() => this.probes.delete(key));
      this.probes.set(key, probe);
    }
    return probe;
  }

  /** A request to a modern upstream failed in a way that may mean its era changed. */
  async requestFailed(upstream: UpstreamConfig, error: unknown): Promise<void> {
    if (!isUpstreamError(error, 'upstream_http_error')) return;
    // 404/405 (endpoint moved or gone) and version refusals say the era may have changed; a
    // 400 about the request itself (a missing client capability, bad params) does not.
    const eraSignal =
      error.status === 404 || error.status === 405 || /protocol version/i.test(error.message);
    if (eraSignal) await this.store.forget(upstream.tenantId, upstream.id).catch(() => undefined);
  }

  /** Says (log line and metric) that an upstream is left out of a client's lists, and why. */
  leftOut(upstream: UpstreamConfig, clientEra: ClientEra, reason: string): void {
    this.logger.warn(
      { upstream: upstream.slug, tenantId: upstream.tenantId, clientEra, reason },
      'upstream left out of the list: it cannot be served in the client protocol era',
    );
    gatehouseMetrics().upstreamsLeftOut.add(1, {
      upstream: upstream.slug,
      client_era: clientEra,
      reason: reason.split(':')[0] ?? reason,
    });
  }

  private async probe(
    upstream: UpstreamConfig,
    fingerprint: string,
    signal?: AbortSignal,
  ): Promise<EraVerdict> {
    const checkedAt = new Date().toISOString();
    try {
      const verdict = await this.client.discover(
        {
          slug: upstream.slug,
          url: upstream.url,
          headers: upstream.headers,
          ...(upstream.timeoutMs !== undefined ? { timeoutMs: upstream.timeoutMs } : {}),
        },
        this.gatewayInfo,
        signal ? { signal } : {},
      );
      const record: UpstreamEraRecord = {
        era: verdict.era,
        fingerprint,
        checkedAt,
        verdict,
        ...(verdict.era === 'legacy' ? { detail: verdict.reason } : {}),
      };
      await this.store
        .put(upstream.tenantId, upstream.id, record, VERDICT_TTL_SECONDS)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not cache the era'));
      return verdict;
    } catch (error) {
      if (!isUpstreamError(error, 'upstream_cancelled')) {
        await this.recordFailure(upstream, fingerprint, checkedAt, error);
      }
      throw error;
    }
  }

  /** Records why an upstream could not be reached in any era (the admin API's health view). */
  async recordFailure(
    upstream: UpstreamConfig,
    fingerprint: string,
    checkedAt: string,
    error: unknown,
  ): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.store
      .put(
        upstream.tenantId,
        upstream.id,
        { era: 'unknown', fingerprint, checkedAt, lastError: message },
        FAILURE_TTL_SECONDS,
      )
      .catch(() => undefined);
  }

  /** A legacy verdict whose initialize then failed: the upstream refuses every era. */
  async refusedEveryEra(upstream: UpstreamConfig, error: unknown): Promise<void> {
    await this.recordFailure(upstream, fingerprintOf(upstream), new Date().toISOString(), error);
  }
}

function fingerprintOf(upstream: UpstreamConfig): string {
  return (
    createHash('sha256')
      // A per-person upstream's headers differ per caller; its era does not (issue 22).
      .update(
        JSON.stringify([
          upstream.url,
          upstream.credential?.mode === 'per-person-secret' ? 'per-person' : upstream.headers,
        ]),
      )
      .digest('base64url')
      .slice(0, 16)
  );
}
