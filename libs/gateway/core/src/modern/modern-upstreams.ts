import type { Identity } from '@gatehouse/auth';
import type { EraVerdict, UpstreamClient, UpstreamSession } from '@gatehouse/mcp-upstream-client';
import type { SessionRoute } from '@gatehouse/session-store';
import type { UpstreamConfig, UpstreamDirectory } from '../ports';
import type { UpstreamEras } from '../upstream-eras';
import { credentialRequiredError } from '../upstream-credential-check';
import { reachableUpstreams } from '../upstream-sessions';
import type { ModernEnvelope } from './modern-request';

/** An upstream a modern client can be served by today, with the session value to reach it. */
export interface ServableUpstream {
  upstream: UpstreamConfig;
  state: UpstreamSession;
  verdict: Extract<EraVerdict, { era: 'modern' }>;
}

/**
 * The caller's upstreams, split by whether a 2026-07-28 client can be served by them without
 * translation. Legacy upstreams need a session held for a sessionless client and their
 * server-to-client requests turned into input_required results: that is the cross-era bridge
 * (issue 19), so until then they are left out, each with a log line and a metric.
 */
export class ModernUpstreams {
  constructor(
    private readonly directory: UpstreamDirectory,
    private readonly eras: UpstreamEras,
    private readonly client: UpstreamClient,
  ) {}

  async reachable(identity: Identity, slug: string | undefined): Promise<UpstreamConfig[]> {
    const route: SessionRoute =
      slug === undefined ? { kind: 'aggregate' } : { kind: 'upstream', slug };
    return reachableUpstreams(
      await this.directory.listForPerson(identity.tenantId, identity.personId),
      identity,
      route,
    );
  }

  /** Probes (or reads the cached era of) each upstream; unservable ones are reported. */
  async servable(
    upstreams: UpstreamConfig[],
    envelope: ModernEnvelope,
    signal: AbortSignal,
  ): Promise<{
    servable: ServableUpstream[];
    leftOut: { upstream: UpstreamConfig; reason: string }[];
  }> {
    const servable: ServableUpstream[] = [];
    const leftOut: { upstream: UpstreamConfig; reason: string }[] = [];
    await Promise.all(
      upstreams.map(async (upstream) => {
        // Nothing is sent (not even a probe) without the caller's own credential (issue 22).
        const noCredential = credentialRequiredError(upstream);
        if (noCredential) {
          leftOut.push({ upstream, reason: noCredential.message });
          return;
        }
        try {
          const verdict = await this.eras.verdictFor(upstream, signal);
          if (verdict.era === 'legacy') {
            const reason =
              'legacy upstream: serving it to a 2026-07-28 client needs the cross-era bridge';
            this.eras.leftOut(upstream, 'modern', reason);
            leftOut.push({ upstream, reason });
            return;
          }
          servable.push({ upstream, verdict, state: this.client.modernSession(verdict, envelope) });
        } catch (error) {
          const reason = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
          this.eras.leftOut(upstream, 'modern', reason);
          leftOut.push({ upstream, reason });
        }
      }),
    );
    servable.sort((a, b) => a.upstream.slug.localeCompare(b.upstream.slug));
    return { servable, leftOut };
  }
}
