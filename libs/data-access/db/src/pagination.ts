import { DataAccessError } from './errors';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DataAccessError(
      'INVALID_ARGUMENT',
      `limit must be a positive integer, got ${limit}.`,
    );
  }
  return Math.min(limit, MAX_PAGE_SIZE);
}

export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` that must carry exactly the string `keys`. */
export function decodeCursor<K extends string>(
  cursor: string,
  keys: readonly K[],
): Record<K, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalidCursor();
  const position: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value: unknown = (parsed as Record<string, unknown>)[key];
    if (typeof value !== 'string') throw invalidCursor();
    position[key] = value;
  }
  return position as Record<K, string>;
}

function invalidCursor(): DataAccessError {
  return new DataAccessError(
    'INVALID_CURSOR',
    'The cursor is not valid here: pass back the nextCursor of the previous page unchanged.',
  );
}

/**
 * Id-ordered pagination for rows with a uuid `id`: fetch `size + 1` rows with `id > after`,
 * return `size` and a cursor when there was one more.
 */
export function idPage<T extends { id: string }>(rows: T[], size: number): Page<T> {
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > size && last ? encodeCursor({ id: last.id }) : null,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `where` fragment continuing an `idPage` after `cursor`. */
export function afterId(cursor: string | null | undefined): { id: { gt: string } } | undefined {
  if (!cursor) return undefined;
  const { id } = decodeCursor(cursor, ['id'] as const);
  if (!UUID.test(id)) throw invalidCursor();
  return { id: { gt: id } };
}

/**
 * One page of a tenant's numbered versions, newest first (policy and limits versions): the cursor
 * is the last version shown; `findBelow` reads up to `take` rows older than `before` (all when
 * undefined), newest first.
 */
export async function pageOfVersions<T extends { version: number }>(
  page: PageRequest,
  findBelow: (before: number | undefined, take: number) => Promise<T[]>,
): Promise<Page<T>> {
  const size = pageSize(page.limit);
  const before = page.cursor ? Number(decodeCursor(page.cursor, ['v'] as const).v) : undefined;
  const rows = await findBelow(before, size + 1);
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > size && last ? encodeCursor({ v: String(last.version) }) : null,
  };
}
