import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataAccessError } from './errors';
import type { SqlExecutor } from './sql-executor';

/** Prisma's own advisory-lock key: our migrator and `prisma migrate deploy` exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  /** SHA-256 hex of the file's bytes, as Prisma computes it. */
  checksum: string;
}

export interface MigrateOptions {
  /** Folder holding `<timestamp>_<name>/migration.sql`; default: found by `findMigrationsDir()`. */
  migrationsDir?: string;
  /** Progress lines, one per migration; default: silent. */
  log?: (line: string) => void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

// Same table and columns as Prisma Migrate, so `prisma migrate deploy` can take over.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Walks up from `startDir` to the first folder holding `prisma/migrations`. */
export function findMigrationsDir(startDir: string = __dirname): string {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new DataAccessError(
        'MIGRATIONS_DIR_NOT_FOUND',
        `No prisma/migrations folder in ${startDir} or any parent folder. ` +
          'Run from the repository (or an image that contains prisma/migrations) or pass migrationsDir.',
        { startDir },
      );
    }
    dir = parent;
  }
}

export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) {
    throw new DataAccessError(
      'MIGRATIONS_DIR_NOT_FOUND',
      `Migrations folder ${migrationsDir} does not exist.`,
      { migrationsDir },
    );
  }
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(migrationsDir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(migrationsDir, name, 'migration.sql'));
      return {
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    });
}

/**
 * Applies every pending migration in name order, each in its own transaction, under a
 * session-level advisory lock (concurrent runs wait, then find nothing left to do).
 * Refuses to run when an applied migration's file changed or a previous run left a failed one.
 */
export async function migrate(
  db: SqlExecutor,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const log = options.log ?? (() => undefined);
  const migrations = readMigrations(options.migrationsDir ?? findMigrationsDir());
  await db.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await db.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await db.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at
         FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
    );
    const applied = checkAppliedRows(rows, migrations);
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      if (applied.has(migration.name)) {
        result.alreadyApplied.push(migration.name);
        continue;
      }
      const started = Date.now();
      await applyOne(db, migration);
      result.applied.push(migration.name);
      log(`applied ${migration.name} (${Date.now() - started} ms)`);
    }
    if (result.applied.length === 0)
      log(`database is up to date (${migrations.length} migrations)`);
    return result;
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

function checkAppliedRows(rows: AppliedRow[], migrations: MigrationFile[]): Set<string> {
  const failed = rows.find((r) => r.finished_at === null);
  if (failed) {
    throw new DataAccessError(
      'MIGRATION_FAILED_PREVIOUSLY',
      `Migration ${failed.migration_name} was started but never finished (a failed ` +
        '`prisma migrate deploy`?). Repair the database, then mark it with ' +
        '`prisma migrate resolve --applied|--rolled-back` before migrating again.',
      { migration: failed.migration_name },
    );
  }
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const row of rows) {
    const local = byName.get(row.migration_name);
    if (local && local.checksum !== row.checksum) {
      throw new DataAccessError(
        'MIGRATION_CHECKSUM_MISMATCH',
        `Migration ${row.migration_name} was modified after it was applied ` +
          `(database checksum ${row.checksum}, file ${local.checksum}). Applied migrations are ` +
          'immutable: restore the file and put the change in a new migration.',
        { migration: row.migration_name, applied: row.checksum, file: local.checksum },
      );
    }
  }
  return new Set(rows.map((r) => r.migration_name));
}

async function applyOne(db: SqlExecutor, migration: MigrationFile): Promise<void> {
  await db.exec('BEGIN');
  try {
    await db.exec(migration.sql);
    await db.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK');
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataAccessError(
      'MIGRATION_FAILED',
      `Migration ${migration.name} failed and was rolled back: ${reason}`,
      { migration: migration.name },
      { cause: error },
    );
  }
}
