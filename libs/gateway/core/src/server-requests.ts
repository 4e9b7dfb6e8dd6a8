import { JSON_RPC_ERROR_CODES } from '@gatehouse/mcp-protocol';
import type { UpstreamClient, UpstreamSession } from '@gatehouse/mcp-upstream-client';
import type { SessionStore, SessionWithUpstreams } from '@gatehouse/session-store';
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from './ports';
import { newGatewayId } from './rpc-error';
import { targetOf } from './upstream-sessions';

/** Which client capability an upstream's request to the client needs. */
const SERVER_REQUEST_CAPABILITY: Record<string, 'sampling' | 'elicitation' | 'roots'> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export interface ServerRequestRoute {
  slug: string;
  upstreamRequestId: RequestId;
}

/**
 * An upstream asks the client something (sampling, elicitation, roots), during a call or on its
 * GET stream. The request reaches the client under a gateway id; the way back (gateway id →
 * upstream and its id) is kept in the session store, because the client's answer is a POST that
 * may land on any replica. Requests the client declared no capability for are refused upstream.
 */
export class ServerRequestRelay {
  constructor(
    private readonly client: UpstreamClient,
    private readonly sessions: SessionStore,
    private readonly sessionTtlSeconds: number,
    private readonly onUpstreamProblem: (slug: string, error: unknown) => void,
  ) {}

  async relay(
    session: SessionWithUpstreams,
    upstream: UpstreamConfig,
    state: UpstreamSession,
    message: JSONRPCRequest,
    deliver: ((message: JSONRPCMessage) => void | Promise<void>) | undefined,
  ): Promise<void> {
    const target = targetOf(upstream);
    const answer = (
      body: { result: Record<string, unknown> } | { error: { code: number; message: string } },
    ) =>
      this.client
        .sendResponse(target, state, { jsonrpc: '2.0', id: message.id, ...body } as never)
        .catch((error: unknown) => this.onUpstreamProblem(upstream.slug, error));
    if (message.method === 'ping') return answer({ result: {} });
    const capability = SERVER_REQUEST_CAPABILITY[message.method];
    if (!capability) {
      return answer({
        error: {
          code: JSON_RPC_ERROR_CODES.METHOD_NOT_FOUND,
          message: `Method not found: ${message.method}`,
        },
      });
    }
    if (session.clientCapabilities[capability] === undefined) {
      return answer({
        error: {
          code: JSON_RPC_ERROR_CODES.METHOD_NOT_FOUND,
          message: `The client did not declare the "${capability}" capability, so ${message.method} cannot be relayed`,
        },
      });
    }
    if (!deliver) {
      return answer({
        error: {
          code: JSON_RPC_ERROR_CODES.SERVER_ERROR,
          message: 'The client is not listening for requests right now',
        },
      });
    }
    const gatewayId = newGatewayId('s');
    const route: ServerRequestRoute = { slug: upstream.slug, upstreamRequestId: message.id };
    await this.sessions.putValues(
      session.id,
      'server-requests',
      { [gatewayId]: JSON.stringify(route) },
      this.sessionTtlSeconds,
    );
    await deliver({ ...message, id: gatewayId });
  }
}
