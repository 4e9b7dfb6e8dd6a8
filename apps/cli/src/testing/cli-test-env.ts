import { startAdminApi } from '@gatehouse/admin-api';
import {
  bootstrapIfEmpty,
  createRuntime,
  type HttpAppHandle,
  type Runtime,
} from '@gatehouse/app-kit';
import { loadConfig } from '@gatehouse/config';
import { createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
import { createLogger } from '@gatehouse/telemetry';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json<T = unknown>(): T;
}

/** A real admin API on a fresh database, its bootstrap platform admin, and the CLI against it. */
export interface CliTestEnv {
  db: TestDatabase;
  runtime: Runtime;
  api: HttpAppHandle;
  /** The bootstrap platform-admin token. */
  adminToken: string;
  /** A config directory of its own (the CLI's login lives there). */
  configDir: string;
  /** Runs `gatehouse <args>` in-process with GATEHOUSE_CONFIG_DIR set. */
  run(args: string[], env?: Record<string, string>, signal?: AbortSignal): Promise<CliRun>;
  close(): Promise<void>;
}

export async function startCliTestEnv(env: Record<string, string> = {}): Promise<CliTestEnv> {
  const db = await createTestDatabase();
  const config = loadConfig(
    {
      DATABASE_URL: db.url,
      REDIS_URL: process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test:cli:${randomBytes(6).toString('hex')}:`,
      GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'silent',
      ...env,
    },
    'admin-api',
  );
  const runtime = await createRuntime(
    config,
    'distributed',
    createLogger('cli-test', 'silent'),
    'cli-test',
  );
  const { secret } = await bootstrapIfEmpty(runtime);
  if (!secret) throw new Error('the test database was not empty');
  const api = await startAdminApi(runtime, {
    host: '127.0.0.1',
    port: 0,
    version: 'test',
    failedAuthLimit: { max: 100_000, windowMs: 60_000 },
  });
  const configDir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  return {
    db,
    runtime,
    api,
    adminToken: secret,
    configDir,
    async run(args, extraEnv = {}, signal) {
      let out = '';
      let err = '';
      const code = await runCli(args, {
        out: (text) => (out += text),
        err: (text) => (err += text),
        env: { HOME: configDir, GATEHOUSE_CONFIG_DIR: configDir, ...extraEnv },
        cwd: configDir,
        ...(signal ? { signal } : {}),
      });
      return {
        code,
        out,
        err,
        json<T>() {
          return JSON.parse(out) as T;
        },
      };
    },
    async close() {
      await api.close();
      await runtime.close();
      await db.drop();
      await rm(configDir, { recursive: true, force: true });
    },
  };
}
