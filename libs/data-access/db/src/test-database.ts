import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from './migrator';
import { createPrismaClient, type PrismaClient } from './prisma-client';
import { pgExecutor } from './sql-executor';

export interface TestDatabase {
  /** Connection URL of the fresh, migrated database. */
  url: string;
  name: string;
  prisma: PrismaClient;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
}

const DEFAULT_BASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Creates `gh_test_<random>` on the server of TEST_DATABASE_BASE_URL (default: local
 * Postgres, trust auth), applies the migrations and returns a Prisma client on it.
 * For integration tests; each test file should use its own.
 */
export async function createTestDatabase(
  options: { baseUrl?: string; migrate?: boolean } = {},
): Promise<TestDatabase> {
  const baseUrl = options.baseUrl ?? process.env['TEST_DATABASE_BASE_URL'] ?? DEFAULT_BASE_URL;
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(baseUrl, name);
  if (options.migrate !== false) {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(pgExecutor(client));
    } finally {
      await client.end();
    }
  }
  const prisma = createPrismaClient({ databaseUrl: url, maxConnections: 4 });
  return {
    url,
    name,
    prisma,
    async drop() {
      await prisma.$disconnect();
      const dropper = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
