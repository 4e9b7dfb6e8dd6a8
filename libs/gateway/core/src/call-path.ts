import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import { McpAttributes, withSpan } from '@gatehouse/telemetry';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { LIST_SPEC } from './aggregation';
import type { ApprovalStage } from './approval-stage';
import { admitCall, UNLIMITED, type CallLimiter } from './call-limits';
import type { Call } from './call';
import type { ListHandler } from './list-handler';
import type { CallDecision, ToolAccess, ToolCallContext, UpstreamConfig } from './ports';
import type { Relay } from './relay';
import { CallFailure, POLICY_DENIED_CODE, RpcError } from './rpc-error';
import type { TargetResolver } from './target-resolver';
import { credentialReady, credentialRequiredError } from './upstream-credential-check';
import type { ToolCatalog } from './tool-catalog';

type Params = Record<string, unknown>;

/**
 * The request path of one call inside a session, its stages in order:
 *
 *   resolve the target → (tools/call) look up the tool's definition → apply policy →
 *   (require_approval) wait for an approver → relay to the upstream.
 *
 * The dispatcher creates the Call and completes it; every stage records what it learns on the
 * Call (target, arguments, decision, approval id), which the audit event is written from.
 */
export class CallPath {
  constructor(
    private readonly resolver: TargetResolver,
    private readonly relay: Relay,
    private readonly lists: ListHandler,
    private readonly catalog: ToolCatalog,
    private readonly toolAccess: ToolAccess,
    private readonly approvals: ApprovalStage,
    private readonly onUpstreamProblem: (slug: string, error: unknown) => void,
    private readonly limiter: CallLimiter = UNLIMITED,
  ) {}

  async run(call: Call): Promise<Params> {
    const { params } = call;
    switch (call.method) {
      case 'ping':
        return {};
      case 'initialize':
        throw new RpcError(
          JSON_RPC_ERROR_CODES.INVALID_REQUEST,
          'Invalid Request: the session is already initialized',
        );
      case 'tools/list':
      case 'prompts/list':
      case 'resources/list':
      case 'resources/templates/list':
        return this.lists.list(call, call.method as keyof typeof LIST_SPEC);
      case 'tools/call':
        return this.callTool(call);
      case 'prompts/get':
        return this.getPrompt(call);
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.forward(call, await this.resolver.byUri(call, params['uri']));
      case 'completion/complete':
        return this.completion(call);
      case 'logging/setLevel':
        await Promise.all(
          call.context.upstreams
            .filter((u) => call.context.session.upstreams[u.slug]?.capabilities.logging)
            .map((u) =>
              this.forward(call, u).catch((error: unknown) =>
                this.onUpstreamProblem(u.slug, error),
              ),
            ),
        );
        return {};
      default: {
        const only = call.context.upstreams[0];
        if (call.context.session.route.kind === 'upstream' && only) return this.forward(call, only);
        throw new RpcError(
          JSON_RPC_ERROR_CODES.METHOD_NOT_FOUND,
          `Method not found: ${call.method}`,
        );
      }
    }
  }

  /** tools/call: a denied call never reaches the upstream. */
  private async callTool(call: Call): Promise<Params> {
    // The audit trail keeps the arguments of every call, whatever its outcome.
    call.arguments = call.params['arguments'];
    const { upstream, name } = await this.resolver.byName(call, call.params['name'], 'tool');
    call.target = { upstream, name };
    const args = call.arguments ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      throw new RpcError(
        JSON_RPC_ERROR_CODES.INVALID_PARAMS,
        'Invalid params: "arguments" must be an object',
      );
    }
    const context: ToolCallContext = {
      identity: call.context.identity,
      session: call.context.session,
      upstream,
      tool: await this.toolDefinition(call, upstream, name),
      toolName: name,
      args: args as Params,
    };
    const decision = await this.applyPolicy(call, context);
    // After policy (a denied person learns they are denied), before an approver is asked.
    const noCredential = credentialRequiredError(upstream);
    if (noCredential) throw new CallFailure(noCredential, 'error');
    if (decision.effect === 'require_approval') await this.approvals.wait(call, context, decision);
    const release = await admitCall(this.limiter, context);
    try {
      return await this.relay.call(call.relayContext(upstream), 'tools/call', {
        ...call.params,
        name,
      });
    } catch (error) {
      // Relay.call rejects with RpcError only; anything else is a gateway fault.
      if (error instanceof RpcError) throw new CallFailure(error, 'upstream_error');
      throw error;
    } finally {
      release();
    }
  }

  /** prompts/get: ruled by the same policy as tools (see ToolAccess.decidePrompt). */
  private async getPrompt(call: Call): Promise<Params> {
    const { upstream, name } = await this.resolver.byName(call, call.params['name'], 'prompt');
    call.target = { upstream, name };
    await this.applyPolicy(call, {
      identity: call.context.identity,
      session: call.context.session,
      upstream,
      toolName: name,
      args: (call.params['arguments'] ?? {}) as Params,
    });
    return this.forward(call, upstream, { ...call.params, name });
  }

  /**
   * The policy stage: the one place a call is decided (tools/list visibility and token scopes
   * are applied while listing and resolving). A denied call ends here.
   */
  private async applyPolicy(
    call: Call,
    context: ToolCallContext | Omit<ToolCallContext, 'tool'>,
  ): Promise<CallDecision> {
    const isTool = 'tool' in context;
    const decision = isTool
      ? await this.decideTool(context)
      : await this.toolAccess.decidePrompt(context);
    call.decision = decision;
    if (decision.effect === 'deny') {
      throw new CallFailure(
        new RpcError(
          POLICY_DENIED_CODE,
          `${isTool ? 'Tool call' : 'Prompt'} denied by policy: ${decision.reason}`,
          { code: 'policy_denied', reason: decision.reason, matchedRules: decision.matchedRules },
        ),
        'denied',
      );
    }
    return decision;
  }

  private decideTool(context: ToolCallContext): Promise<CallDecision> {
    const target = {
      [McpAttributes.UPSTREAM]: context.upstream.slug,
      [McpAttributes.TOOL_NAME]: context.toolName,
    };
    return withSpan('policy.evaluate', target, async (span) => {
      const decision = await this.toolAccess.decide(context);
      span.setAttributes({
        [McpAttributes.POLICY_DECISION]: decision.effect,
        [McpAttributes.POLICY_MATCHED_RULES]: decision.matchedRules,
      });
      return decision;
    });
  }

  /** completion/complete goes where the prompt or resource it completes lives. */
  private async completion(call: Call): Promise<Params> {
    const ref = (call.params['ref'] ?? {}) as Params;
    if (ref['type'] === 'ref/prompt') {
      const { upstream, name } = await this.resolver.byName(call, ref['name'], 'prompt');
      return this.forward(call, upstream, { ...call.params, ref: { ...ref, name } });
    }
    if (ref['type'] === 'ref/resource') {
      return this.forward(call, await this.resolver.byUri(call, ref['uri']));
    }
    throw new RpcError(
      JSON_RPC_ERROR_CODES.INVALID_PARAMS,
      'Invalid params: ref.type must be ref/prompt or ref/resource',
    );
  }

  /** The relay stage for every method but tools/call. */
  private forward(call: Call, upstream: UpstreamConfig, params: Params = call.params) {
    if (call.target?.upstream !== upstream) call.target = { upstream };
    return this.relay.call(call.relayContext(upstream), call.method, params);
  }

  /** The tool's definition (policy reads its annotations), listing the upstream once if needed. */
  private async toolDefinition(
    call: Call,
    upstream: UpstreamConfig,
    name: string,
  ): Promise<Tool | undefined> {
    const tenantId = call.context.session.tenantId;
    const cached = this.catalog.lookup(tenantId, upstream.slug, name);
    if (cached !== 'stale') return cached;
    // Without the caller's credential the upstream cannot be listed: decide on what is known.
    if (!credentialReady(upstream)) return undefined;
    let cursor: string | undefined;
    let first = true;
    for (let page = 0; page < 50; page++) {
      const result = await this.relay.call(
        call.sideRequestContext(upstream),
        'tools/list',
        cursor ? { cursor } : {},
      );
      const tools = Array.isArray(result['tools']) ? (result['tools'] as Tool[]) : [];
      this.catalog.remember(tenantId, upstream.slug, tools, first);
      first = false;
      cursor = typeof result['nextCursor'] === 'string' ? result['nextCursor'] : undefined;
      if (!cursor) break;
    }
    const found = this.catalog.lookup(tenantId, upstream.slug, name);
    return found === 'stale' ? undefined : found;
  }
}
