import type { Identity } from '@gatehouse/auth';
import { BusChannels, type Bus } from '@gatehouse/bus';
import type { PolicyRepository, TenantRepository, TenantSettings } from '@gatehouse/data-access';
import type {
  CallDecision,
  ToolAccess,
  ToolCallContext,
  UpstreamConfig,
} from '@gatehouse/gateway-core';
import {
  compilePolicy,
  couldEverAllow,
  deriveToolRisk,
  evaluatePolicy,
  policyRowToRule,
  type CompiledPolicy,
  type PolicyIdentity,
  type PolicyTool,
} from '@gatehouse/policy';
import type { Logger } from '@gatehouse/telemetry';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { LastGoodCache } from './last-good-cache';
import type { ToolPinning } from './tool-pinning';

interface TenantPolicy {
  policy: CompiledPolicy;
  hideChangedTools: boolean;
}

/** A prompt only returns a message template: it is ruled as a read-only, closed-world target. */
const PROMPT_RISK = { level: 'read_only', openWorld: false, source: 'default' } as const;

/** A policy that allows nothing: used when a tenant's rules cannot be compiled (fail closed). */
const DENY_ALL = (version: number) => compilePolicy([], version);

/**
 * Decides tool calls and filters tool lists with the tenant's compiled policy. Compiled once per
 * tenant policy version and kept per replica; a policy change published on the bus drops it.
 */
export class PolicyToolAccess implements ToolAccess {
  /** Compiled policy per tenant; the last good one is served while a reload fails. */
  private readonly cache: LastGoodCache<TenantPolicy>;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly policies: PolicyRepository,
    private readonly tenants: TenantRepository,
    private readonly pinning: ToolPinning,
    private readonly logger: Logger,
    maxAgeMs = 30_000,
  ) {
    this.cache = new LastGoodCache({
      load: (tenantId) => this.load(tenantId),
      maxAgeMs,
      logger,
      staleWarning: 'could not reload the tenant policy; deciding with the last known one',
    });
  }

  async listen(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe(BusChannels.tenantConfigChanged, (message) => {
      const tenantId = (message as { tenantId?: unknown }).tenantId;
      if (typeof tenantId === 'string') {
        this.cache.delete(tenantId);
        this.pinning.forget(tenantId);
      }
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  async visibleTools(identity: Identity, upstream: UpstreamConfig, tools: Tool[]): Promise<Tool[]> {
    const [{ policy, hideChangedTools }, reviews] = await Promise.all([
      this.compiled(identity.tenantId),
      this.pinning.review(upstream, tools),
    ]);
    const subject = policyIdentity(identity);
    return tools.filter((tool) => {
      const review = reviews.get(tool.name);
      if (review?.changed && hideChangedTools) return false;
      const risk = deriveToolRisk({
        annotations: tool.annotations,
        annotationsTrusted: upstream.annotationsTrusted,
        override: review?.riskOverride,
      });
      return couldEverAllow(policy, {
        identity: subject,
        upstream: upstream.slug,
        tool: { name: tool.name, risk },
      });
    });
  }

  async decide(context: ToolCallContext): Promise<CallDecision> {
    const { policy, hideChangedTools } = await this.compiled(context.identity.tenantId);
    const review = context.tool
      ? (await this.pinning.review(context.upstream, [context.tool])).get(context.toolName)
      : undefined;
    if (review?.changed && hideChangedTools) {
      return {
        effect: 'deny',
        matchedRules: [],
        reason: `the definition of ${context.upstream.slug}/${context.toolName} changed since it was pinned; an admin must accept it first`,
        policyVersion: policy.version,
      };
    }
    return evaluateCall(policy, context, {
      name: context.toolName,
      annotations: context.tool?.annotations,
      risk: deriveToolRisk({
        annotations: context.tool?.annotations,
        annotationsTrusted: context.upstream.annotationsTrusted,
        override: review?.riskOverride,
      }),
    });
  }

  async visiblePrompts(
    identity: Identity,
    upstream: UpstreamConfig,
    names: string[],
  ): Promise<Set<string>> {
    const { policy } = await this.compiled(identity.tenantId);
    const subject = policyIdentity(identity);
    return new Set(
      names.filter((name) =>
        couldEverAllow(policy, {
          identity: subject,
          upstream: upstream.slug,
          tool: { name, risk: PROMPT_RISK },
        }),
      ),
    );
  }

  async decidePrompt(context: Omit<ToolCallContext, 'tool'>): Promise<CallDecision> {
    const { policy } = await this.compiled(context.identity.tenantId);
    return evaluateCall(policy, context, { name: context.toolName, risk: PROMPT_RISK });
  }

  private compiled(tenantId: string): Promise<TenantPolicy> {
    return this.cache.get(tenantId);
  }

  private async load(tenantId: string): Promise<TenantPolicy> {
    const [tenant, rows] = await Promise.all([
      this.tenants.findByIdOrSlug(tenantId),
      this.policies.list(tenantId),
    ]);
    const version = tenant?.policyVersion ?? 0;
    const hideChangedTools = Boolean((tenant?.settings as TenantSettings | null)?.hideChangedTools);
    try {
      return { policy: compilePolicy(rows.map(policyRowToRule), version), hideChangedTools };
    } catch (error) {
      this.logger.error(
        { tenantId, err: error },
        'tenant policy does not compile: denying every call until it is fixed',
      );
      return { policy: DENY_ALL(version), hideChangedTools };
    }
  }
}

/** One evaluation of a tool call or prompt read, in the gateway's decision shape. */
function evaluateCall(
  policy: CompiledPolicy,
  context: Omit<ToolCallContext, 'tool'>,
  tool: PolicyTool,
): CallDecision {
  const decision = evaluatePolicy(policy, {
    identity: policyIdentity(context.identity),
    session: {
      id: context.session.id,
      clientName: context.session.clientInfo.name,
      clientVersion: context.session.clientInfo.version,
    },
    upstream: context.upstream.slug,
    tool,
    args: context.args,
    now: new Date(),
  });
  return {
    effect: decision.effect,
    matchedRules: decision.matchedRules.map((r) => r.id),
    reason: decision.reason,
    policyVersion: decision.policyVersion,
  };
}

function policyIdentity(identity: Identity): PolicyIdentity {
  return {
    id: identity.personId,
    email: identity.email,
    roles: identity.roles,
    scopes: identity.scopes,
    tenant: identity.tenantId,
  };
}
