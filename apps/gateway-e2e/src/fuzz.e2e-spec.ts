import fc from 'fast-check';
import { rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

/** How long the property may keep generating bodies (the whole test stays well under 30 s). */
const FUZZ_TIME_LIMIT_MS = 15_000;

const hostileString = fc.oneof(
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

const hostileId = fc.oneof(
  fc.integer(),
  fc.double(),
  hostileString,
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

const method = fc.oneof(
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

const params = fc.oneof(
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

const message = fc.record(
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
const request = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: fc.oneof(fc.integer(), fc.string({ maxLength: 20 })),
  method,
  params,
});

/** Malformed JSON text, valid JSON of the wrong shape, JSON-RPC-ish messages and batches. */
const body = fc.oneof(
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
type SessionChoice = 'none' | 'current' | 'batching';

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** A JSON value that carries `error.message` (a non-empty string) or a JSON-RPC result. */
function namesProblemOrIsResult(value: unknown): boolean {
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
function messagesOf(answer: Answer): unknown[] {
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

describe('JSON-RPC endpoint under generated malformed and hostile bodies', () => {
  let h: GatewayHarness;
  let url: string;
  const sessions = new Map<SessionChoice, { session: string; version: string }>();
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1, env: { UPSTREAM_TIMEOUT_MS: '3000' } });
    url = h.gateways[0]!.url;
    sessions.set('current', await rawSession(url, h.admin.token, '2025-11-25'));
    sessions.set('batching', await rawSession(url, h.admin.token, '2025-03-26'));
  });
  afterAll(async () => {
    await h.close();
  });

  async function post(text: string, choice: SessionChoice): Promise<Answer> {
    const headers: Record<string, string> = {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      authorization: `Bearer ${h.admin.token}`,
    };
    const chosen = sessions.get(choice);
    if (chosen) {
      headers['mcp-session-id'] = chosen.session;
      headers['mcp-protocol-version'] = chosen.version;
    }
    const response = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers,
      body: text,
      signal: AbortSignal.timeout(10_000),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
  }

  it('never answers 5xx, never crashes, and every error names the problem', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom<SessionChoice>('none', 'current', 'batching', 'batching'),
        async (text, choice) => {
          runs++;
          const answer = await post(text, choice);
          expect(answer.status).toBeLessThan(500);
          if (answer.status === 202) return;
          if (answer.status >= 400) {
            expect(answer.text.length).toBeGreaterThan(0);
            expect(namesProblemOrIsResult(JSON.parse(answer.text))).toBe(true);
            return;
          }
          for (const m of messagesOf(answer)) expect(namesProblemOrIsResult(m)).toBe(true);
        },
      ),
      { numRuns: 2_000, interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS, seed: 1104 },
    );
    expect(runs).toBeGreaterThan(50);

    // Still alive and still serving real calls with the same session.
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const call = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'after-fuzz',
        method: 'tools/call',
        params: { name: 'alpha__echo', arguments: { text: 'still here' } },
      }),
      'current',
    );
    expect(call.status).toBe(200);
    expect(call.text).toContain('still here');
  }, 60_000);
});
