import fc from 'fast-check';
import {
  body,
  messagesOf,
  namesProblemOrIsResult,
  postFuzzBody,
  type Answer,
  type FuzzSessions,
  type SessionChoice,
} from './support/fuzz-arbitraries';
import { rawSession } from './support/raw-mcp';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

/** How long the property may keep generating bodies (the whole test stays well under 30 s). */
const FUZZ_TIME_LIMIT_MS = 15_000;

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
