import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/prisma/client';

export type { PrismaClient };

export type PrismaClientSource =
  { databaseUrl: string; maxConnections?: number; connectTimeoutMs?: number } | { pglite: PGlite };

/**
 * How long a query waits for a pooled connection (including opening one). Without a bound, a
 * Postgres that accepts TCP but never answers (a hung host, a black-holed route) would hold
 * every caller; with it they fail and fall back to cached config (docs/reliability.md).
 */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The Prisma 7 (engine-less) client over `pg` for a server, or over PGlite when embedded. */
export function createPrismaClient(source: PrismaClientSource): PrismaClient {
  if ('pglite' in source) {
    return new PrismaClient({ adapter: new PrismaPGlite(source.pglite) });
  }
  const adapter = new PrismaPg({
    connectionString: source.databaseUrl,
    connectionTimeoutMillis: source.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ...(source.maxConnections === undefined ? {} : { max: source.maxConnections }),
  });
  return new PrismaClient({ adapter });
}
