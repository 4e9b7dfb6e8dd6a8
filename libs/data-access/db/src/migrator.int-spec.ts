import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findMigrationsDir, migrate, readMigrations } from './migrator';
import { pgExecutor } from './sql-executor';
import { createTestDatabase, type TestDatabase } from './test-database';

describe('migrator (real Postgres)', () => {
  let db: TestDatabase;
  const clients: Client[] = [];

  async function connect(): Promise<Client> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    db = await createTestDatabase({ migrate: false });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end()));
    await db.drop();
  });

  it('applies every migration and records it like Prisma does', async () => {
    const client = await connect();
    const files = readMigrations(findMigrationsDir());
    const result = await migrate(pgExecutor(client));
    expect(result.applied).toEqual(files.map((f) => f.name));
    const rows = await client.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.rows).toEqual(
      files.map((f) => ({
        migration_name: f.name,
        checksum: f.checksum,
        finished_at: expect.any(Date),
        applied_steps_count: 1,
      })),
    );
    const tables = await client.query(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'audit_events'",
    );
    expect(tables.rows[0].n).toBe(1);
  });

  it('is idempotent: a second run applies nothing', async () => {
    const client = await connect();
    await migrate(pgExecutor(client));
    const second = await migrate(pgExecutor(client));
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied.length).toBeGreaterThan(0);
  });

  it('refuses to run when an applied migration file was modified', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-migrations-'));
    try {
      cpSync(findMigrationsDir(), dir, { recursive: true });
      const client = await connect();
      await migrate(pgExecutor(client), { migrationsDir: dir });
      const first = readMigrations(dir)[0]!;
      const file = join(dir, first.name, 'migration.sql');
      writeFileSync(file, readFileSync(file, 'utf8') + '\n-- edited\n');
      await expect(migrate(pgExecutor(client), { migrationsDir: dir })).rejects.toMatchObject({
        code: 'MIGRATION_CHECKSUM_MISMATCH',
        message: expect.stringContaining(first.name),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-migrations-'));
    try {
      cpSync(findMigrationsDir(), dir, { recursive: true });
      cpSync(join(dir, readMigrations(dir)[0]!.name), join(dir, '99999999999999_broken'), {
        recursive: true,
      });
      writeFileSync(
        join(dir, '99999999999999_broken', 'migration.sql'),
        'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
      );
      const client = await connect();
      await expect(migrate(pgExecutor(client), { migrationsDir: dir })).rejects.toMatchObject({
        code: 'MIGRATION_FAILED',
      });
      const leftovers = await client.query(
        "SELECT to_regclass('half_done') AS t, (SELECT count(*)::int FROM _prisma_migrations WHERE migration_name LIKE '%broken') AS n",
      );
      expect(leftovers.rows[0]).toEqual({ t: null, n: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serializes concurrent runs with the advisory lock: each migration applied once', async () => {
    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    const results = await Promise.all([a!, b!, c!].map((cl) => migrate(pgExecutor(cl))));
    const applied = results.flatMap((r) => r.applied);
    const files = readMigrations(findMigrationsDir()).map((f) => f.name);
    expect(applied.sort()).toEqual(files.sort());
    const rows = await a!.query('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(rows.rows[0].n).toBe(files.length);
  });
});
