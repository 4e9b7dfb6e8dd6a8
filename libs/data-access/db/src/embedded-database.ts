import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { migrate, type MigrateOptions, type MigrateResult } from './migrator';
import { createPrismaClient, type PrismaClient } from './prisma-client';
import { pgliteExecutor } from './sql-executor';

export interface EmbeddedDatabase {
  pglite: PGlite;
  prisma: PrismaClient;
  migrations: MigrateResult;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) an embedded Postgres (PGlite) stored in `dataDir`, applies the
 * migrations and returns a Prisma client on it. One instance per process: PGlite is
 * single-connection and takes seconds to start. Under jest it needs
 * NODE_OPTIONS=--experimental-vm-modules (PGlite loads its Wasm with a dynamic import).
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  options: MigrateOptions = {},
): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  try {
    const migrations = await migrate(pgliteExecutor(pglite), options);
    const prisma = createPrismaClient({ pglite });
    return {
      pglite,
      prisma,
      migrations,
      async close() {
        await prisma.$disconnect();
        await pglite.close();
      },
    };
  } catch (error) {
    await pglite.close();
    throw error;
  }
}
