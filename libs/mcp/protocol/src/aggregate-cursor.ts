import { z } from 'zod';

/**
 * Position in every upstream of an aggregated list: the upstream's own cursor, or null when that
 * upstream has been listed to the end. Upstreams absent from the map have not been started.
 */
export type AggregateCursorPositions = Record<string, string | null>;

const CURSOR_VERSION = 1;
/** Bounds the work a hostile cursor can cause; real cursors for dozens of upstreams fit easily. */
const MAX_CURSOR_LENGTH = 16_384;

const cursorSchema = z.object({
  v: z.literal(CURSOR_VERSION),
  p: z.record(z.string().min(1), z.string().nullable()),
});

export class AggregateCursorError extends Error {
  /** The gateway answers this with JSON-RPC -32602 Invalid params. */
  readonly code = 'invalid_cursor';
  constructor(reason: string) {
    super(`Invalid params: the cursor is not one this server issued (${reason})`);
    this.name = 'AggregateCursorError';
  }
}

/** Opaque to clients (base64url JSON); keys are sorted so equal positions give equal cursors. */
export function encodeAggregateCursor(positions: AggregateCursorPositions): string {
  const sorted: AggregateCursorPositions = {};
  for (const slug of Object.keys(positions).sort()) {
    const position = positions[slug];
    if (position !== undefined) sorted[slug] = position;
  }
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, p: sorted }), 'utf8').toString(
    'base64url',
  );
}

export function decodeAggregateCursor(cursor: string): AggregateCursorPositions {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
    throw new AggregateCursorError('wrong length');
  }
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new AggregateCursorError('not base64url');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new AggregateCursorError('not JSON');
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) throw new AggregateCursorError('unexpected shape');
  return parsed.data.p;
}
