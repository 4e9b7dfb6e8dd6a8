/** How much of a call's arguments (and result summary) a tenant keeps in its audit trail. */
export type ArgumentMode = 'none' | 'redacted' | 'full';

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const REDACTED = '[redacted]';
const MAX_DEPTH = 32;

/** Key words that name a secret. Keys are split into words so `max_tokens` is kept. */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'auth',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'apikey',
  'privatekey',
  'signature',
]);
/** Adjacent words that together name a secret (`api_key`, `privateKey`, `x-api-key`). */
const SECRET_PAIRS = new Set([
  'api key',
  'private key',
  'access key',
  'secret key',
  'session key',
  'client secret',
  'set cookie',
]);

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** True when an object key names a secret (case-insensitive; camel, snake and kebab case). */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  for (let i = 0; i + 1 < words.length; i++) {
    if (SECRET_PAIRS.has(`${words[i]} ${words[i + 1]}`)) return true;
  }
  return SECRET_WORDS.has(words.join(''));
}

/** Substrings that look like credentials whatever key they sit under. */
const SECRET_PATTERNS: RegExp[] = [
  /gth_[A-Za-z0-9]{20,}/g, // Gatehouse tokens
  /\b(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, // authorization header values
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, // JWTs
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack tokens
  /\bsk-[A-Za-z0-9_-]{20,}/g, // OpenAI-style keys
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];
/** Credentials in URLs (`scheme://user:pass@host`): the scheme and host stay readable. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s:/@]+:[^\s@/]+@/gi;
const LONG_WORD = /[A-Za-z0-9+/_=-]{32,}/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function entropyBitsPerChar(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Long hex (≥ 32) or base64-ish (mixed case and digits, high entropy) runs: likely keys. */
function looksLikeRandomKey(word: string): boolean {
  if (UUID.test(word)) return false;
  if (/^[0-9a-f]+$/i.test(word)) return entropyBitsPerChar(word) >= 3;
  const mixed = /[a-z]/.test(word) && /[A-Z]/.test(word) && /[0-9]/.test(word);
  return mixed && entropyBitsPerChar(word) >= 4;
}

/** Replaces credential-looking parts of a string, keeping the words around them. */
export function redactString(value: string): string {
  let out = value.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
  return out.replace(LONG_WORD, (word) => (looksLikeRandomKey(word) ? REDACTED : word));
}

function toJson(
  value: unknown,
  redact: boolean,
  depth: number,
  seen: Set<object>,
): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return redact ? redactString(value) : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (depth >= MAX_DEPTH) return '[truncated: too deep]';
  const object = value as object;
  if (seen.has(object)) return '[circular]';
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item: unknown) => toJson(item, redact, depth + 1, seen) ?? null);
    }
    if (object instanceof Uint8Array) return `[${object.byteLength} bytes]`;
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(object)) {
      if (redact && isSecretKey(key)) {
        out[key] = REDACTED;
        continue;
      }
      const converted = toJson(item, redact, depth + 1, seen);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

/** Room kept for the marker's own keys, so the whole marker stays within maxBytes. */
const MARKER_OVERHEAD = 96;

function capSize(json: JsonValue, maxBytes: number): JsonValue {
  const serialized = JSON.stringify(json);
  const originalBytes = Buffer.byteLength(serialized);
  if (originalBytes <= maxBytes) return json;
  // Cut on a UTF-8 boundary; the preview comes from the already redacted serialization.
  const budget = Math.max(0, maxBytes - MARKER_OVERHEAD);
  let preview = Buffer.from(serialized).subarray(0, budget).toString('utf8');
  if (preview.endsWith('\uFFFD')) preview = preview.slice(0, -1);
  const previewBytes = Buffer.byteLength(preview);
  return { $truncated: { originalBytes, droppedBytes: originalBytes - previewBytes, preview } };
}

/**
 * Prepares arguments (or a result summary) for the audit trail: `none` keeps nothing
 * (undefined), `redacted` replaces secret-named keys and credential-looking strings with
 * "[redacted]", `full` keeps values as they are. Either way the value becomes plain JSON and
 * is capped at `maxBytes` of serialized JSON: a larger value is replaced by a marker
 * `{ $truncated: { originalBytes, droppedBytes, preview } }`.
 */
export function redactArguments(
  value: unknown,
  mode: ArgumentMode,
  maxBytes: number,
): JsonValue | undefined {
  if (mode === 'none' || value === undefined) return undefined;
  const json = toJson(value, mode === 'redacted', 0, new Set());
  if (json === undefined) return undefined;
  return capSize(json, maxBytes);
}
