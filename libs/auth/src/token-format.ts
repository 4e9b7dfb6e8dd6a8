import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import baseX from 'base-x';

const BASE62 = baseX('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');
export const TOKEN_PREFIX = 'gth_';
const BODY_LENGTH = 43; // 32 random bytes in base62, left-padded
const CHECKSUM_LENGTH = 6; // CRC32 in base62, left-padded
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

function checksum(body: string): string {
  const crc = crc32(body);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0);
  return BASE62.encode(bytes).padStart(CHECKSUM_LENGTH, '0');
}

export interface NewToken {
  /** The secret, shown once to whoever created it. */
  secret: string;
  /** SHA-256 hex of the secret: the only form stored. */
  hash: string;
  /** A display prefix that identifies the token in lists without revealing it. */
  displayPrefix: string;
}

/**
 * `gth_` + 32 random bytes in base62 + a CRC32 checksum, so that secret scanners can recognise
 * the format and a typo is caught before any lookup.
 */
export function generateToken(): NewToken {
  const body = BASE62.encode(randomBytes(32)).padStart(BODY_LENGTH, '0');
  return fromSecret(`${TOKEN_PREFIX}${body}${checksum(body)}`);
}

/** Derives the stored form of a secret supplied from outside (the bootstrap token). */
export function fromSecret(secret: string): NewToken {
  return {
    secret,
    hash: hashToken(secret),
    displayPrefix: secret.slice(0, TOKEN_PREFIX.length + 8),
  };
}

/** True when the string has the token shape and its checksum matches. */
export function isWellFormedToken(candidate: string): boolean {
  if (!TOKEN_PATTERN.test(candidate)) return false;
  const body = candidate.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + BODY_LENGTH);
  const given = Buffer.from(candidate.slice(TOKEN_PREFIX.length + BODY_LENGTH));
  const expected = Buffer.from(checksum(body));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
