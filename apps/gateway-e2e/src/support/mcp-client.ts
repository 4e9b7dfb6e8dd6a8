import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * A fetch that sends each request to the next replica in turn, like a load balancer without
 * stickiness: the client never talks to the same replica twice in a row.
 */
export function roundRobinFetch(baseUrls: string[]): typeof fetch {
  let next = 0;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const target = new URL(baseUrls[next++ % baseUrls.length]!);
    url.protocol = target.protocol;
    url.host = target.host;
    return fetch(url, init);
  };
}

export interface ConnectOptions {
  path?: string;
  fetch?: typeof fetch;
  capabilities?: boolean;
}

/** The official SDK client, unmodified, pointed at a gateway with a bearer token. */
export async function connectClient(baseUrl: string, token: string, options: ConnectOptions = {}) {
  const client = new Client(
    { name: 'e2e-client', version: '1.0.0' },
    options.capabilities === false
      ? {}
      : { capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } } },
  );
  if (options.capabilities !== false) {
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'e2e-model',
      role: 'assistant',
      content: {
        type: 'text',
        text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}`,
      },
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: 'accept',
      content: { answer: 'forty-two' },
    }));
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///work', name: 'work' }],
    }));
  }
  const transportOptions: ConstructorParameters<typeof StreamableHTTPClientTransport>[1] = {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  };
  if (options.fetch) transportOptions.fetch = options.fetch;
  const transport = new StreamableHTTPClientTransport(
    new URL(`${baseUrl}${options.path ?? '/mcp'}`),
    transportOptions,
  );
  await client.connect(transport);
  return { client, transport };
}
