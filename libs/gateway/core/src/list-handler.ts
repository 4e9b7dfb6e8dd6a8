import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import {
  LIST_SPEC,
  nextAggregateCursor,
  prefixNames,
  startPositions,
  type ListMethod,
  type UpstreamPage,
} from './aggregation';
import type { Call } from './call';
import type { ToolAccess } from './ports';
import type { Relay } from './relay';
import { credentialReady } from './upstream-credential-check';
import type { SessionStore } from '@gatehouse/session-store';
import type { ToolCatalog } from './tool-catalog';

/**
 * tools/list, prompts/list, resources/list and resources/templates/list over every upstream of
 * the session: one page from each, merged, names prefixed, hidden tools filtered out. An upstream
 * that fails is left out of the page (and logged) rather than failing the whole list.
 */
export class ListHandler {
  constructor(
    private readonly relay: Relay,
    private readonly sessions: SessionStore,
    private readonly toolAccess: ToolAccess,
    private readonly catalog: ToolCatalog,
    private readonly sessionTtlSeconds: number,
    private readonly onUpstreamProblem: (slug: string, error: unknown) => void,
  ) {}

  async list(call: Call, method: ListMethod): Promise<Record<string, unknown>> {
    const { context: ctx, params } = call;
    const spec = LIST_SPEC[method];
    const passthrough = ctx.session.route.kind === 'upstream';
    // An upstream the caller has no credential for cannot be listed for them: its tools stay
    // hidden, and calling one names what to do (CallPath).
    const eligible = ctx.upstreams.filter(
      (u) =>
        credentialReady(u) &&
        (ctx.session.upstreams[u.slug]?.capabilities[spec.capability] ?? true),
    );
    const starts = startPositions(eligible, passthrough ? undefined : params['cursor']);

    const pages = await Promise.all(
      starts.map(async ({ upstream, cursor }): Promise<UpstreamPage | undefined> => {
        try {
          const upstreamCursor = passthrough ? params['cursor'] : cursor;
          const result = await this.relay.call(
            call.sideRequestContext(upstream),
            method,
            upstreamCursor === undefined ? {} : { cursor: upstreamCursor },
          );
          let items = Array.isArray(result[spec.field])
            ? (result[spec.field] as Record<string, unknown>[])
            : [];
          if (method === 'tools/list') {
            const tools = items as unknown as Tool[];
            this.catalog.remember(
              ctx.session.tenantId,
              upstream.slug,
              tools,
              upstreamCursor === undefined,
            );
            items = (await this.toolAccess.visibleTools(
              ctx.identity,
              upstream,
              tools,
            )) as unknown as Record<string, unknown>[];
          }
          if (method === 'prompts/list') {
            const visible = await this.toolAccess.visiblePrompts(
              ctx.identity,
              upstream,
              items.map((p) => String(p['name'])),
            );
            items = items.filter((p) => visible.has(String(p['name'])));
          }
          const next = typeof result['nextCursor'] === 'string' ? result['nextCursor'] : null;
          return { upstream, items, nextCursor: next };
        } catch (error) {
          if (passthrough) throw error;
          this.onUpstreamProblem(upstream.slug, error);
          return undefined;
        }
      }),
    );
    const answered = pages.filter((p): p is UpstreamPage => p !== undefined);

    if (passthrough) {
      const page = answered[0];
      const result: Record<string, unknown> = { [spec.field]: page?.items ?? [] };
      if (page?.nextCursor) result['nextCursor'] = page.nextCursor;
      return result;
    }

    const merged: Record<string, unknown>[] = [];
    const routes: Record<string, string> = {};
    for (const page of answered) {
      if (method === 'tools/list' || method === 'prompts/list') {
        const { items, renamed } = prefixNames(page.upstream.slug, page.items);
        merged.push(...items);
        Object.assign(routes, renamed);
      } else {
        merged.push(...page.items);
        for (const item of page.items) {
          const key =
            method === 'resources/list' ? item['uri'] : `template:${String(item['uriTemplate'])}`;
          if (typeof key === 'string') routes[key] = page.upstream.slug;
        }
      }
    }
    const namespace = method === 'tools/list' || method === 'prompts/list' ? 'names' : 'resources';
    await this.sessions.putValues(ctx.session.id, namespace, routes, this.sessionTtlSeconds);
    const result: Record<string, unknown> = { [spec.field]: merged };
    const nextCursor = nextAggregateCursor(answered);
    if (nextCursor) result['nextCursor'] = nextCursor;
    return result;
  }
}
