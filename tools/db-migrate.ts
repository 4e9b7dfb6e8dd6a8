// `npm run db:migrate`: applies prisma/migrations to DATABASE_URL with our migrator (advisory
// lock, one transaction per migration, checksum check). Works from the TypeScript source and
// from dist/tools/db-migrate.js: the migrations folder is found by walking up from here.
import { Client } from 'pg';
import { findMigrationsDir, migrate } from '../libs/data-access/db/src/migrator';
import { pgExecutor } from '../libs/data-access/db/src/sql-executor';
import { runCommand } from './run-command';

async function main(): Promise<number> {
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    console.error(
      'db-migrate: DATABASE_URL is not set. Example: ' +
        'DATABASE_URL=postgres://postgres@127.0.0.1:5432/gatehouse npm run db:migrate',
    );
    return 2;
  }
  const migrationsDir = process.env['GATEHOUSE_MIGRATIONS_DIR'] ?? findMigrationsDir(__dirname);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    console.log(`db-migrate: applying ${migrationsDir}`);
    const result = await migrate(pgExecutor(client), {
      migrationsDir,
      log: (line) => console.log(`db-migrate: ${line}`),
    });
    console.log(
      `db-migrate: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
    return 0;
  } finally {
    await client.end();
  }
}

runCommand('db-migrate', main);
