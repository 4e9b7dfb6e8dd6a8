// Configuration for the Prisma 6.19.3 CLI (installed as `prisma6`), used only to generate
// migration SQL offline: `engine: 'js'` runs the Wasm schema engine, so nothing is downloaded.
// The databases are in-memory PGlite instances: `migrate diff --from-empty|--from-migrations`
// needs no server. Run it through prisma/migration-diff.mjs; see
// docs/decisions/0001-prisma-offline-migrations.md.
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { defineConfig } from 'prisma6/config';

type Adapter = Awaited<ReturnType<PrismaPGlite['connect']>>;

// Prisma 6's schema engine replays migration files through `executeRaw` without parameters,
// which PGlite sends as one prepared statement and rejects ("cannot insert multiple commands
// into a prepared statement"). Scripts without parameters go through `exec` instead.
async function connectPGlite(): Promise<Adapter> {
  const db = new PGlite();
  const adapter = await new PrismaPGlite(db).connect();
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (query.args.length > 0) return executeRaw(query);
    await db.exec(query.sql);
    return 0;
  };
  return adapter;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  // Prisma 6 needs `url` in the datasource block and Prisma 7 forbids it, so
  // prisma/migration-diff.mjs hands over a derived copy of schema.prisma.
  schema: process.env['GATEHOUSE_PRISMA6_SCHEMA'] ?? 'schema.prisma',
  migrations: { path: 'migrations' },
  adapter: async () => ({
    provider: 'postgres' as const,
    adapterName: 'pglite-prisma-adapter',
    connect: connectPGlite,
    connectToShadowDb: connectPGlite,
  }),
});
