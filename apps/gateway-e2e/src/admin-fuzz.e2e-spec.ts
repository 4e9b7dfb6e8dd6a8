import fc from 'fast-check';
import {
  bodyFor,
  encodeLoosely,
  fromSchema,
  hostileText,
  operationsOf,
  queryFor,
  type BodyText,
  type Operation,
} from './support/openapi-arbitraries';
import {
  isDocumentedError,
  startAdminFuzzWorld,
  type AdminFuzzWorld,
  type TokenChoice,
} from './support/admin-fuzz-world';
import { startGatewayHarness, type GatewayHarness } from './support/gateway-harness';

/** Bounded in count and in time: the whole file stays well under a minute on a loaded machine. */
const FUZZ_RUNS = 1_200;
const FUZZ_TIME_LIMIT_MS = 20_000;
const SEED = 2812;

interface PathValue {
  /** As sent in the URL (percent-encoded, or a deliberately broken escape). */
  sent: string;
  /** What the server decodes it to (for the oracle). */
  value: string;
}

interface Generated {
  op: Operation;
  params: Record<string, PathValue>;
  query: string;
  body: BodyText;
  contentType: string | undefined;
  token: TokenChoice;
}

const TOKENS: TokenChoice[] = [
  'none',
  'garbage',
  'admin',
  'admin',
  'approver',
  'member',
  'member',
  'read-only-admin',
  'mcp-only-admin',
  'foreign-admin',
  'foreign-admin',
];

describe('admin API under requests generated from its own OpenAPI document', () => {
  let h: GatewayHarness;
  let world: AdminFuzzWorld;
  let operations: Operation[];
  beforeAll(async () => {
    h = await startGatewayHarness({ replicas: 1 });
    world = await startAdminFuzzWorld(h);
    const document = (await (await fetch(`${world.api.url}/api/docs/json`)).json()) as Parameters<
      typeof operationsOf
    >[0];
    operations = operationsOf(document);
  });
  afterAll(async () => {
    await world.close();
    await h.close();
  });

  const known = (name: string): string[] => {
    const { home, foreign } = world.tenants;
    if (name === 't') return [home.slug, home.id, foreign.id, foreign.slug];
    const pooled = [world.ids.home, world.ids.foreign].flatMap((ids) =>
      name in ids ? [ids[name as keyof typeof ids]] : [],
    );
    if (name === 'p') return [...pooled, ...world.callerPersonIds];
    if (name === 'toolName') return ['echo', 'add', 'x'];
    if (name === 'version') return ['1', '2', '2147483648', '-1'];
    return pooled.length > 0 ? pooled : ['00000000-0000-4000-8000-000000000000'];
  };

  const pathValue = (name: string): fc.Arbitrary<PathValue> =>
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .constantFrom(...known(name))
          .map((v) => ({ sent: encodeURIComponent(v), value: v })),
      },
      { weight: 1, arbitrary: fc.uuid().map((v) => ({ sent: v, value: v })) },
      {
        weight: 2,
        arbitrary: hostileText
          .filter((v) => v.length > 0 && v.length < 5_000)
          .map((v) => ({ sent: encodeLoosely(v), value: v })),
      },
      {
        weight: 1,
        // Broken escapes and an over-long segment: Fastify's own URL errors.
        arbitrary: fc
          .constantFrom('%ff', '%E0%A4%A', '%', '%ED%A0%80', 'a'.repeat(1_500))
          .map((v) => ({ sent: v, value: v })),
      },
    );

  /** Home-tenant ids, a schema-valid JSON body, a caller of the tenant: reaches the services. */
  const plausible = (): fc.Arbitrary<Generated> =>
    fc.constantFrom(...operations).chain((op) =>
      fc.record({
        op: fc.constant(op),
        params: fc.record(
          Object.fromEntries(
            op.pathParams.map((n) => {
              const home =
                n === 't'
                  ? [world.tenants.home.slug]
                  : known(n).filter((v) => v !== world.ids.foreign[n as 'p']);
              return [
                n,
                fc.constantFrom(...home).map((v) => ({ sent: encodeURIComponent(v), value: v })),
              ];
            }),
          ),
        ),
        query: fc.constant(''),
        body: op.body
          ? fromSchema(op.body).map((v) => JSON.stringify(v))
          : fc.constant<BodyText>(undefined),
        contentType: fc.constant('application/json'),
        token: fc.constantFrom<TokenChoice>(
          'admin',
          'admin',
          'member',
          'approver',
          'read-only-admin',
        ),
      }),
    );

  /** A caller disabling or demoting a fuzzing caller would leave the rest of the run 401s. */
  const sparesCallers = (g: Generated): boolean =>
    !(
      (g.op.method === 'PATCH' || g.op.method === 'DELETE') &&
      g.op.path.endsWith('/people/{p}') &&
      world.callerPersonIds.includes(g.params['p']?.value ?? '')
    );

  const request = (): fc.Arbitrary<Generated> =>
    fc
      .oneof({ weight: 1, arbitrary: plausible() }, { weight: 3, arbitrary: hostile() })
      .filter(sparesCallers);

  const hostile = (): fc.Arbitrary<Generated> =>
    fc.constantFrom(...operations).chain((op) =>
      fc.record({
        op: fc.constant(op),
        params: fc.record(Object.fromEntries(op.pathParams.map((n) => [n, pathValue(n)]))),
        query: queryFor(op.query),
        body: op.body ? bodyFor(op.body) : fc.constantFrom<BodyText>(undefined, undefined, ''),
        contentType: fc.constantFrom(
          'application/json',
          'application/json',
          'application/json',
          'application/json; charset=utf-8',
          'application/x-www-form-urlencoded',
          'text/plain',
          undefined,
        ),
        token: fc.constantFrom(...TOKENS),
      }),
    );

  it('never answers 5xx, answers every 4xx in the documented body, never lets the wrong caller through', async () => {
    const violations: string[] = [];
    const statuses = new Map<number, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request(), async (g) => {
        runs++;
        const path = g.op.path.replace(/\{(\w+)\}/g, (_, n: string) => g.params[n]?.sent ?? '');
        const headers: Record<string, string> = {};
        const token = world.tokens[g.token];
        if (token) headers['authorization'] = `Bearer ${token}`;
        // fetch sends no body with GET.
        const body = g.op.method === 'GET' ? undefined : g.body;
        if (g.contentType && body !== undefined) headers['content-type'] = g.contentType;
        const mutating = g.op.method !== 'GET';
        const before = mutating ? await world.counts() : '';
        const response = await fetch(`${world.api.url}${path}${g.query}`, {
          method: g.op.method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await response.text();
        const status = response.status;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const what = `${g.op.method} ${path.slice(0, 200)}${g.query.slice(0, 100)} as ${g.token} → ${status} ${text.slice(0, 200)}`;
        if (status >= 500) violations.push(`5xx: ${what}`);
        if (status >= 400) {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          if (!isDocumentedError(status, body)) violations.push(`undocumented error body: ${what}`);
          if (mutating && (await world.counts()) !== before) {
            violations.push(`a refused request changed the row counts: ${what}`);
          }
        } else {
          const values = Object.fromEntries(Object.entries(g.params).map(([n, v]) => [n, v.value]));
          if (!(await world.mayAccess(g.token, g.op.method, g.op.path, values))) {
            violations.push(`wrong caller succeeded: ${what}`);
          }
        }
      }),
      { numRuns: FUZZ_RUNS, interruptAfterTimeLimit: FUZZ_TIME_LIMIT_MS, seed: SEED },
    );
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    process.stdout.write(
      `admin fuzz: ${runs} requests, ${operations.length} operations; ${summary.join(' ')}\n`,
    );
    expect(violations).toEqual([]);
    expect(runs).toBeGreaterThan(50);
    expect(operations.length).toBeGreaterThanOrEqual(40);
  }, 90_000);
});
