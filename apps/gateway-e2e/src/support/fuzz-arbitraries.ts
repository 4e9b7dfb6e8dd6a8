import fc from 'fast-check';

/**
 * Generated hostile /mcp bodies, shared by the quick fuzz of `npm test` (fuzz.e2e-spec.ts) and
 * the heavier run of the fault suite (faults/client-fuzz.fault-spec.ts).
 */

export const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '../../etc/passwd',
    'alpha__',
    '__echo',
    'alpha__echo',
    'beta__echo',
    '\u0000',
    '\ud800',
    'a'.repeat(10_000),
    '${jndi:ldap://x}',
    '<script>',
  ),
);

export const hostileId = fc.oneof(
  fc.integer(),
  fc.double(),
  hostileString,
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

export const method = fc.oneof(
  fc.constantFrom(
    'initialize',
    'ping',
    'tools/list',
    'tools/call',
    'prompts/list',
    'prompts/get',
    'resources/list',
    'resources/read',
    'resources/templates/list',
    'completion/complete',
    'logging/setLevel',
    'notifications/initialized',
    'notifications/cancelled',
    'notifications/progress',
    'sampling/createMessage',
  ),
  hostileString,
);

export const params = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.record(
    {
      name: hostileString,
      arguments: fc.oneof(fc.anything({ maxDepth: 3 }), fc.record({ text: hostileString })),
      _meta: fc.oneof(fc.anything({ maxDepth: 2 }), fc.record({ progressToken: hostileId })),
      uri: hostileString,
      cursor: hostileString,
      protocolVersion: hostileString,
    },
    { requiredKeys: [] },
  ),
);

export const message = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), fc.anything({ maxDepth: 1 })),
    id: hostileId,
    method,
    params,
    result: fc.anything({ maxDepth: 2 }),
    error: fc.anything({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);

/** A well-formed request envelope with hostile contents: reaches routing, policy and relay. */
export const request = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 })),
  method,
  params,
});

/** Malformed JSON text, valid JSON of the wrong shape, JSON-RPC-ish messages and batches. */
export const body = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '',
    '{',
    '[',
    '[]',
    'null',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"polluted":1},"name":"alpha__echo","arguments":{"text":"x"}}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"constructor":{"prototype":{"x":1}}}}}',
    '{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}',
    `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  ),
  fc.json({ maxDepth: 4 }),
  message.map((m) => JSON.stringify(m)),
  fc.array(message, { maxLength: 5 }).map((ms) => JSON.stringify(ms)),
  request.map((r) => JSON.stringify(r)),
  request.map((r) => JSON.stringify(r)),
  fc.array(request, { minLength: 1, maxLength: 4 }).map((rs) => JSON.stringify(rs)),
);

/** No session, a 2025-11-25 session (no batches) or a 2025-03-26 session (batches allowed). */
export type SessionChoice = 'none' | 'current' | 'batching';

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** The sessions a fuzz run posts into, by choice ('none' has no entry). */
export type FuzzSessions = Map<SessionChoice, { session: string; version: string }>;

/** POSTs one generated body to `${url}/mcp` on the chosen session; `contentType` '' sends none. */
export async function postFuzzBody(
  target: { url: string; token: string; sessions: FuzzSessions; timeoutMs: number },
  body: string | Buffer,
  contentType: string,
  choice: SessionChoice,
): Promise<Answer> {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${target.token}`,
  };
  if (contentType) headers['content-type'] = contentType;
  const chosen = target.sessions.get(choice);
  if (chosen) {
    headers['mcp-session-id'] = chosen.session;
    headers['mcp-protocol-version'] = chosen.version;
  }
  const response = await fetch(`${target.url}/mcp`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(target.timeoutMs),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
  };
}

/** A JSON value that carries `error.message` (a non-empty string) or a JSON-RPC result. */
export function namesProblemOrIsResult(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if ('result' in value) return true;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string' &&
    (error as { message: string }).message.length > 0
  );
}

/** Every JSON-RPC message of a JSON or SSE answer. */
export function messagesOf(answer: Answer): unknown[] {
  if (answer.contentType.startsWith('text/event-stream')) {
    return answer.text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice('data:'.length).trim())
      .filter((data) => data.length > 0)
      .map((data): unknown => JSON.parse(data));
  }
  const parsed: unknown = JSON.parse(answer.text);
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** `depth` nested objects (or arrays) around a 1, as JSON text. */
const nested = (depth: number, array: boolean) =>
  `${(array ? '[' : '{"a":').repeat(depth)}1${(array ? ']' : '}').repeat(depth)}`;

const callWith = (args: string, id = '1') =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"alpha__echo","arguments":${args}}}`;

/** JSON numbers that JavaScript cannot hold exactly (or at all). */
const hugeNumber = fc.constantFrom(
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '9'.repeat(5_000),
  '18446744073709551616',
  '0.' + '0'.repeat(1_000) + '1',
);

/** Invalid UTF-8 inside an otherwise valid request (sent as bytes, never as a JS string). */
const invalidUtf8 = fc
  .constantFrom(
    [0xff],
    [0xfe, 0xff],
    [0xc0, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0x80],
    [0xe2, 0x82],
  )
  .map((bytes) =>
    Buffer.concat([
      Buffer.from(
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"',
      ),
      Buffer.from(bytes),
      Buffer.from('"}}}'),
    ]),
  );

/**
 * The fault suite's heavier bodies: deep nesting, numbers JS cannot represent, prototype
 * pollution keys, invalid UTF-8, huge ids and mixed batches, on top of `body`.
 */
export const hostileBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  body,
  fc
    .constantFrom(10, 100, 1_000, 10_000, 100_000, 500_000)
    .chain((depth) => fc.boolean().map((array) => callWith(nested(depth, array)))),
  fc.constantFrom(1_000, 100_000).map((depth) => nested(depth, false)),
  hugeNumber.map((n) => callWith(`{"text":"x","n":${n}}`, n)),
  hugeNumber.map((n) => `{"jsonrpc":"2.0","id":${n},"method":"ping"}`),
  fc.constantFrom(
    '{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{"id":2,"method":"tools/call"}}',
    '{"__proto__":{"jsonrpc":"2.0","id":1,"method":"ping"}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"x","__proto__":{"text":"polluted"}}}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"__proto__":{"name":"alpha__echo"},"arguments":{"text":"x"}}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"__proto__","arguments":{}}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"constructor","arguments":{}}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__echo","arguments":{"constructor":{"prototype":{"polluted":true}}}}}',
    '{"jsonrpc":"2.0","id":"__proto__","method":"resources/read","params":{"uri":"__proto__"}}',
    '{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"alpha__constructor"}}',
    '[{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":[]}]',
  ),
  invalidUtf8,
  fc
    .constantFrom(1_000, 100_000, 1_000_000)
    .map((n) => `{"jsonrpc":"2.0","id":"${'i'.repeat(n)}","method":"ping"}`),
  fc.constantFrom(
    '{"jsonrpc":"2.0","id":1e308,"method":"ping"}',
    '{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}',
    '{"jsonrpc":"2.0","id":-9007199254740993,"method":"ping"}',
    '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
  ),
  // Mixed batches: requests, notifications, responses, invalid members, a duplicate id.
  fc
    .array(
      fc.oneof(
        request,
        message,
        fc.constant({ jsonrpc: '2.0', method: 'notifications/initialized' }),
        fc.constant({ jsonrpc: '2.0', id: 'dup', method: 'ping' }),
        fc.constant({ jsonrpc: '2.0', id: 'resp', result: {} }),
        fc.constant({ jsonrpc: '2.0', id: 'err', error: { code: -1, message: 'x' } }),
        fc.constant(42),
        fc.constant(null),
      ),
      { minLength: 2, maxLength: 12 },
    )
    .map((ms) => JSON.stringify(ms)),
);

/** Content types a careless client sends; only application/json (with parameters) is valid. */
export const contentType = fc.oneof(
  fc.constant('application/json'),
  fc.constant('application/json'),
  fc.constant('application/json'),
  fc.constantFrom(
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    'application/xml',
    '',
    ';;;',
  ),
);

/**
 * A well-formed JSON-RPC 2.0 error response: `jsonrpc: "2.0"`, an `id` (null when the request
 * could not be read), an integer `error.code` and a non-empty `error.message`.
 */
export function isJsonRpcError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { jsonrpc, id, error } = value as { jsonrpc?: unknown; id?: unknown; error?: unknown };
  if (jsonrpc !== '2.0' || !('id' in value)) return false;
  if (id !== null && typeof id !== 'string' && typeof id !== 'number') return false;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return Number.isInteger(code) && typeof message === 'string' && message.length > 0;
}

/** Who a generated /mcp request claims to be. */
export type McpTokenChoice = 'valid' | 'none' | 'garbage' | 'no-mcp-scope' | 'foreign';

/** Paths a careless or hostile client posts to: the endpoints, other tenants' upstreams, broken URLs. */
export const mcpPath = fc.constantFrom(
  '/mcp',
  '/mcp',
  '/mcp/alpha',
  '/mcp/beta',
  '/mcp/gamma',
  '/mcp/unknown',
  '/mcp/%ff',
  '/mcp/a%00b',
  '/mcp/%ED%A0%80',
  `/mcp/${'u'.repeat(200)}`,
  `/mcp?${'q'.repeat(20_000)}`,
);
