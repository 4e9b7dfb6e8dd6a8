import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/prisma/client';

export type { PrismaClient };

export type PrismaClientSource =
  { databaseUrl: string; maxConnections?: number } | { pglite: PGlite };

/** The Prisma 7 (engine-less) client over `pg` for a server, or over PGlite when embedded. */
export function createPrismaClient(source: PrismaClientSource): PrismaClient {
  if ('pglite' in source) {
    return new PrismaClient({ adapter: new PrismaPGlite(source.pglite) });
  }
  const adapter = new PrismaPg({
    connectionString: source.databaseUrl,
    ...(source.maxConnections === undefined ? {} : { max: source.maxConnections }),
  });
  return new PrismaClient({ adapter });
}
