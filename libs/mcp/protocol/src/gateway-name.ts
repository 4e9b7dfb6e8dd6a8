import { createHash } from 'node:crypto';

/** What many MCP clients accept for a tool or prompt name; aggregated names must fit it. */
export const CLIENT_SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const SEPARATOR = '__';
const HASH_HEX_LENGTH = 8;
const MAX_NAME_LENGTH = 64;
/** Room left for at least a few readable characters of the original name plus the hash. */
const MAX_SLUG_LENGTH = 40;
// A slug may contain single underscores but never the separator, so the first "__" splits.
const SLUG_PATTERN = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;
const HASHED_SUFFIX = /_[0-9a-f]{8}$/;

export class GatewayNameError extends Error {
  readonly code = 'invalid_upstream_slug';
  constructor(readonly upstreamSlug: string) {
    super(
      `Upstream slug "${upstreamSlug}" cannot prefix tool names: use 1-${MAX_SLUG_LENGTH} letters, digits, "-" or single "_"`,
    );
    this.name = 'GatewayNameError';
  }
}

/**
 * The aggregated name of an upstream's tool or prompt: `<slug>__<name>` when that fits
 * CLIENT_SAFE_NAME, otherwise a deterministic form `<slug>__<sanitized prefix>_<8 hex>` where the
 * hex is sha256(slug + "\0" + name). The shortened form cannot be reversed: callers keep a map.
 */
export function toGatewayName(upstreamSlug: string, name: string): string {
  assertValidSlug(upstreamSlug);
  const verbatim = `${upstreamSlug}${SEPARATOR}${name}`;
  if (CLIENT_SAFE_NAME.test(verbatim)) return verbatim;
  const hash = createHash('sha256')
    .update(`${upstreamSlug}\0${name}`, 'utf8')
    .digest('hex')
    .slice(0, HASH_HEX_LENGTH);
  const prefix = `${upstreamSlug}${SEPARATOR}`;
  const room = MAX_NAME_LENGTH - prefix.length - 1 - HASH_HEX_LENGTH;
  const readable = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, room);
  return `${prefix}${readable}_${hash}`;
}

/** True when toGatewayName keeps the name as is, so no reverse mapping needs to be stored. */
export function isVerbatimGatewayName(upstreamSlug: string, name: string): boolean {
  return toGatewayName(upstreamSlug, name) === `${upstreamSlug}${SEPARATOR}${name}`;
}

export interface SplitGatewayName {
  upstreamSlug: string;
  /** The part after the separator: the original name unless the name was shortened. */
  name: string;
  /** The name ends like a shortened one; look it up in the caller's map before using `name`. */
  mayBeHashed: boolean;
}

/**
 * Splits an aggregated name. Contract for callers: when listing, store
 * `toGatewayName(slug, original) → original` for every name where `isVerbatimGatewayName` is
 * false; when resolving, if `mayBeHashed` look the full gateway name up in that map first, and
 * only if absent use `name`. Returns undefined for names Gatehouse cannot have produced.
 */
export function splitGatewayName(gatewayName: string): SplitGatewayName | undefined {
  if (!CLIENT_SAFE_NAME.test(gatewayName)) return undefined;
  const at = gatewayName.indexOf(SEPARATOR);
  if (at <= 0) return undefined;
  const upstreamSlug = gatewayName.slice(0, at);
  const name = gatewayName.slice(at + SEPARATOR.length);
  if (!isValidSlug(upstreamSlug) || name.length === 0) return undefined;
  return { upstreamSlug, name, mayBeHashed: HASHED_SUFFIX.test(name) };
}

function isValidSlug(slug: string): boolean {
  return slug.length <= MAX_SLUG_LENGTH && SLUG_PATTERN.test(slug);
}

function assertValidSlug(slug: string): void {
  if (!isValidSlug(slug)) throw new GatewayNameError(slug);
}
