import fc from 'fast-check';
import { hostileString } from './fuzz-arbitraries';

/**
 * Requests generated from an OpenAPI 3.1 document (the admin API's own, fetched at run time):
 * bodies and query values from the operation's JSON Schemas, then mutated the way a careless or
 * hostile client would (missing fields, wrong types, NUL, lone surrogates, oversized strings,
 * numeric edges, extra fields, bodies that are not JSON objects).
 */

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
}

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/tenants/{t}/people/{p}`. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  body: JsonSchema | undefined;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** Every operation of the document (path parameters read from the path template itself). */
export function operationsOf(document: {
  paths?: Record<string, Record<string, OpenApiOperation>>;
}): Operation[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ''),
      query: (operation.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
      body: operation.requestBody?.content?.['application/json']?.schema,
    })),
  );
}

const MAX_INT32 = 2_147_483_647;

/** Upstream URLs that never need DNS (a resolver may be slow or absent on CI machines). */
const urls = fc.constantFrom(
  'http://127.0.0.1:1/mcp',
  'http://[::1]:1/mcp',
  'https://10.0.0.1/mcp',
  'ftp://127.0.0.1/x',
  'not a url',
  'http://user:pass@127.0.0.1/mcp',
);

/** A value the schema accepts (mostly: patterns and formats are approximated). */
export function fromSchema(schema: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map((s) => fromSchema(s, name, depth)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (name === 'url') return urls;
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'email') {
        return fc.stringMatching(/^[a-z0-9]{1,12}$/).map((local) => `${local}@example.test`);
      }
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (schema.pattern) {
        const min = schema.minLength ?? 0;
        const max = schema.maxLength ?? Infinity;
        const matching = patternArbitrary(schema.pattern);
        if (matching) return matching.filter((text) => text.length >= min && text.length <= max);
      }
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.max(schema.minLength ?? 0, Math.min(schema.maxLength ?? 24, 24)),
      });
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -MAX_INT32, -Number.MAX_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? MAX_INT32, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}, name, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    case 'object': {
      if (!schema.properties || depth > 3) {
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
          maxKeys: 3,
        });
      }
      const model = Object.fromEntries(
        Object.entries(schema.properties).map(([key, s]) => [key, fromSchema(s, key, depth + 1)]),
      );
      return fc.record(model, { requiredKeys: schema.required ?? [] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Strings matching the pattern, or undefined where fast-check cannot (lookaheads). */
function patternArbitrary(pattern: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return undefined;
  }
}

/** JSON numbers at the edges of what the columns and JavaScript hold. */
export const numericEdge = fc.constantFrom(
  2_147_483_648,
  -2_147_483_649,
  MAX_INT32,
  -MAX_INT32 - 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -0,
  1.5,
  1e308,
  -1,
  0,
);

/** Text Postgres cannot store, or far longer than any field allows. */
export const hostileText = fc.oneof(
  hostileString,
  fc.constantFrom('a\u0000b', '\u0000', 'x\ud800', '\udc00y', '\ud83d', 'z'.repeat(70_000)),
);

export const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  numericEdge,
  fc.constantFrom(null, true, false, [], {}, [1, 'a'], { nested: '\u0000' }),
);

/** Every path to a leaf (or an empty container) of a JSON value. */
function leafPaths(value: unknown, path: string[] = []): string[][] {
  if (Array.isArray(value)) {
    return value.length === 0
      ? [path]
      : value.flatMap((v, i) => leafPaths(v, [...path, String(i)]));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => leafPaths(v, [...path, k]));
  }
  return [path];
}

function withLeaf(value: unknown, path: string[], leaf: unknown, remove: boolean): unknown {
  if (path.length === 0) return remove ? undefined : leaf;
  const [head = '', ...rest] = path;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...(value as unknown[])]
    : { ...(value as Record<string, unknown>) };
  const next = withLeaf((copy as Record<string, unknown>)[head], rest, leaf, remove);
  if (next === undefined && !Array.isArray(copy)) delete copy[head];
  else (copy as Record<string, unknown>)[head] = next;
  return copy;
}

export type BodyText = string | undefined;

/** A body for the schema: valid, or mutated at one random leaf, or not an object at all. */
export function bodyFor(schema: JsonSchema | undefined): fc.Arbitrary<BodyText> {
  const valid = fromSchema(schema ?? { type: 'object', properties: {} });
  const mutated = fc
    .tuple(valid, fc.nat(), hostileLeaf, fc.constantFrom('replace', 'remove', 'extra'))
    .map(([value, pick, leaf, how]) => {
      const paths = leafPaths(value);
      const path = paths[pick % paths.length] ?? [];
      if (how === 'extra') return withLeaf(value, ['unexpectedField'], leaf, false);
      return withLeaf(value, path, leaf, how === 'remove');
    });
  return fc.oneof(
    { weight: 3, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 6, arbitrary: mutated.map((v) => JSON.stringify(v ?? null)) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom(
          undefined,
          '',
          '{',
          '[]',
          'null',
          '"x"',
          '42',
          '{"a":1,"a":2}',
          `{"name":"n","deep":${'['.repeat(50_000)}"\\u0000"${']'.repeat(50_000)}}`,
        ),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      ),
    },
  );
}

/** A query string from the operation's parameters: valid values, hostile ones, or none. */
export function queryFor(query: Operation['query']): fc.Arbitrary<string> {
  if (query.length === 0) return fc.constant('');
  const one = (p: Operation['query'][number]) =>
    fc
      .oneof(
        { weight: 2, arbitrary: fromSchema(p.schema, p.name) },
        { weight: 2, arbitrary: hostileText },
        { weight: 1, arbitrary: numericEdge },
      )
      .map((v) => `${p.name}=${encodeLoosely(String(v))}`);
  return fc
    .subarray(query, { maxLength: Math.min(3, query.length) })
    .chain((chosen): fc.Arbitrary<string[]> =>
      chosen.length === 0 ? fc.constant([]) : fc.tuple(...chosen.map(one)),
    )
    .map((parts) => (parts.length === 0 ? '' : `?${parts.join('&')}`));
}

/**
 * Percent-encodes any JS string, lone surrogates included (encodeURIComponent throws on them):
 * those are sent as the three bytes a careless encoder (WTF-8) would produce.
 */
export function encodeLoosely(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    } else {
      out += encodeURIComponent(text[i] ?? '');
    }
  }
  return out;
}
