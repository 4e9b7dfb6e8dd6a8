import fc from 'fast-check';
import {
  contentType,
  hostileBody,
  messagesOf,
  namesProblemOrIsResult,
  postFuzzBody,
  type Answer,
  type FuzzSessions,
  type SessionChoice,
} from '../support/fuzz-arbitraries';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process';
import { rawSession } from '../support/raw-mcp';
import { describeMemory, memoryProbeEnv, sampleMemory } from '../support/process-memory';

const RUNS = Number(process.env['FAULTS_FUZZ_RUNS'] ?? 3_000);
/** The property stops generating after this long even if RUNS are not done (CI budget). */
const TIME_LIMIT_MS = Number(process.env['FAULTS_FUZZ_MS'] ?? 45_000);

/**
 * The heavier fuzz of the fault suite: the bodies of the quick fuzz (fuzz.e2e-spec.ts) plus
 * deep nesting, numbers JavaScript cannot hold, prototype-pollution keys, invalid UTF-8, huge
 * ids, mixed batches and wrong content types, against a gateway in its own process. Never a
 * 5xx, never a crash, and every answer names the problem (or is a result).
 */
describe('fault: heavy fuzzing of the JSON-RPC endpoint', () => {
  let h: GatewayHarness;
  let gw: GatewayProcess;
  const sessions: FuzzSessions = new Map();
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 0, env: { UPSTREAM_TIMEOUT_MS: '3000' } });
    gw = await startGatewayProcess({ ...h.env, ...memoryProbeEnv() });
    sessions.set('current', await rawSession(gw.url, h.admin.token, '2025-11-25'));
    sessions.set('batching', await rawSession(gw.url, h.admin.token, '2025-03-26'));
  }, 120_000);
  afterAll(async () => {
    gw?.child.kill('SIGKILL');
    await h?.close();
  }, 60_000);

  const post = (body: string | Buffer, type: string, choice: SessionChoice): Promise<Answer> =>
    postFuzzBody(
      { url: gw.url, token: h.admin.token, sessions, timeoutMs: 20_000 },
      body,
      type,
      choice,
    );

  it('never answers 5xx, never crashes, and every error names the problem', async () => {
    const before = await sampleMemory(gw);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let runs = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(
        hostileBody,
        contentType,
        fc.constantFrom<SessionChoice>('none', 'current', 'batching', 'batching'),
        async (body, type, choice) => {
          runs++;
          const answer = await post(body, type, choice);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const problem = (what: string) => {
            const shown = typeof body === 'string' ? body.slice(0, 120) : `<${body.length} bytes>`;
            failures.push(
              `${what}: HTTP ${answer.status} ${answer.text.slice(0, 200)} for ${shown}`,
            );
          };
          if (answer.status >= 500) problem('5xx');
          expect(answer.status).toBeLessThan(500);
          if (answer.status === 202) return;
          if (answer.status >= 400) {
            expect(namesProblemOrIsResult(JSON.parse(answer.text))).toBe(true);
            return;
          }
          for (const m of messagesOf(answer)) expect(namesProblemOrIsResult(m)).toBe(true);
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, seed: 1111 },
    );
    const seconds = (performance.now() - started) / 1000;
    const after = await sampleMemory(gw);
    process.stdout.write(
      `client-fuzz: ${runs} bodies in ${seconds.toFixed(1)} s, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, 5xx ${failures.length}, gateway exit code ${gw.child.exitCode}\n` +
        `client-fuzz memory: ${describeMemory(before, after, after)}\n`,
    );
    expect(runs).toBeGreaterThan(200);

    // Alive, not restarted, and still serving real calls with the same session.
    expect(gw.child.exitCode).toBeNull();
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const call = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'after-fuzz',
        method: 'tools/call',
        params: { name: 'alpha__echo', arguments: { text: 'still here' } },
      }),
      'application/json',
      'current',
    );
    expect(call.status).toBe(200);
    expect(call.text).toContain('still here');
  });
});
