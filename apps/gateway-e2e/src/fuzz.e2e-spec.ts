import fc from 'fast-check';
import {
  body,
  isJsonRpcError,
  mcpPath,
  messagesOf,
  namesProblemOrIsResult,
  postFuzzBody,
  type Answer,
  type FuzzSessions,
  type McpTokenChoice,
  type SessionChoice,
} from './support/fuzz-arbitraries';
import { initializeBody, rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

/** How long the property may keep generating bodies (the whole test stays well under 30 s). */
const FUZZ_TIME_LIMIT_MS = 15_000;
/** The second property (tokens, paths, methods) gets less: its requests end before a session. */
const EDGE_FUZZ_TIME_LIMIT_MS = 10_000;

describe('JSON-RPC endpoint under generated malformed and hostile bodies', () => {
  let h: GatewayHarness;
  let url: string;
  const sessions: FuzzSessions = new Map();
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1, env: { UPSTREAM_TIMEOUT_MS: '3000' } });
    url = h.gateways[0]!.url;
    sessions.set('current', await rawSession(url, h.admin.token, '2025-11-25'));
    sessions.set('batching', await rawSession(url, h.admin.token, '2025-03-26'));
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (text: string, choice: SessionChoice): Promise<Answer> =>
    postFuzzBody(
      { url, token: h.admin.token, sessions, timeoutMs: 10_000 },
      text,
      'application/json',
      choice,
    );

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
            expect(isJsonRpcError(JSON.parse(answer.text))).toBe(true);
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

  it('answers every token, path and method with a well-formed JSON-RPC error or success, never across tenants', async () => {
    const tokens: Record<McpTokenChoice, string | undefined> = {
      valid: h.admin.token,
      none: undefined,
      garbage: `gth_${'0'.repeat(43)}`,
      'no-mcp-scope': (await h.addCaller(['admin'], ['admin:read'])).token,
      foreign: (await h.addTenant('Fuzz foreign', { gamma: 'http://127.0.0.1:1/mcp' })).member
        .token,
    };
    const violations: string[] = [];
    const statuses = new Map<number, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        // A valid initialize (weight 1 in 3) reaches routing and the upstream lookup.
        fc.oneof(body, body, fc.constant(JSON.stringify(initializeBody()))),
        mcpPath,
        fc.constantFrom('POST', 'POST', 'POST', 'GET', 'DELETE'),
        fc.constantFrom<McpTokenChoice>('valid', 'none', 'garbage', 'no-mcp-scope', 'foreign'),
        async (text, path, method, choice) => {
          runs++;
          const token = tokens[choice];
          const response = await fetch(`${url}${path}`, {
            method,
            headers: {
              accept:
                method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
              'content-type': 'application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            ...(method === 'POST' ? { body: text } : {}),
            signal: AbortSignal.timeout(10_000),
          });
          const answer = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const what = `${method} ${path.slice(0, 80)} as ${choice} → ${response.status} ${answer.slice(0, 160)}`;
          if (response.status >= 500) violations.push(`5xx: ${what}`);
          if (response.status >= 400) {
            let parsed: unknown;
            try {
              parsed = JSON.parse(answer);
            } catch {
              parsed = undefined;
            }
            if (!isJsonRpcError(parsed)) violations.push(`not a JSON-RPC error: ${what}`);
          } else if (response.status < 300) {
            const refused =
              choice === 'none' ||
              choice === 'garbage' ||
              choice === 'no-mcp-scope' ||
              (choice === 'foreign' && /^\/mcp\/(alpha|beta)/.test(path)) ||
              (choice === 'valid' && path.startsWith('/mcp/gamma'));
            if (refused)
              violations.push(`succeeded across tenants or without the right token: ${what}`);
          }
        },
      ),
      { numRuns: 1_500, interruptAfterTimeLimit: EDGE_FUZZ_TIME_LIMIT_MS, seed: 2812 },
    );
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    process.stdout.write(`mcp edge fuzz: ${runs} requests; ${summary.join(' ')}\n`);
    expect(violations).toEqual([]);
    expect(runs).toBeGreaterThan(50);
  }, 60_000);
});
