import { SecretBox } from '@gatehouse/auth';
import { InMemoryBus, RedisBus, type Bus } from '@gatehouse/bus';
import { createRedisClient, redisTopology, type GatehouseConfig } from '@gatehouse/config';
import {
  createPrismaClient,
  createRepositories,
  openEmbeddedDatabase,
  type PrismaClient,
  type Repositories,
} from '@gatehouse/data-access';
import {
  InMemorySessionEventLog,
  InMemoryUpstreamEraStore,
  RedisUpstreamEraStore,
  type UpstreamEraStore,
  InMemorySessionStore,
  RedisSessionEventLog,
  RedisSessionStore,
  type SessionEventLog,
  type RedisConnection,
  type SessionStore,
} from '@gatehouse/session-store';
import type { Logger } from '@gatehouse/telemetry';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ReadinessCheck } from './health';

export type RuntimeMode = 'embedded' | 'distributed';

/**
 * The process's connections and shared services. Distributed mode talks to Redis and Postgres;
 * embedded mode (the laptop default) keeps sessions and pub/sub in memory and runs Postgres
 * in-process with PGlite, so nothing needs installing.
 */
export interface Runtime {
  mode: RuntimeMode;
  config: GatehouseConfig;
  logger: Logger;
  prisma: PrismaClient;
  repos: Repositories;
  redis: RedisConnection | undefined;
  bus: Bus;
  sessions: SessionStore;
  /** Every SSE event sent, per session, for Last-Event-ID resumption on any replica. */
  events: SessionEventLog;
  /** Each upstream's detected protocol era and last probe error (shared by every replica). */
  eras: UpstreamEraStore;
  secrets: SecretBox;
  checks: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

export async function createRuntime(
  config: GatehouseConfig,
  mode: RuntimeMode,
  logger: Logger,
  service: string,
): Promise<Runtime> {
  const closers: (() => Promise<unknown>)[] = [];
  const secrets = new SecretBox(encryptionKey(config, mode, logger));
  let prisma: PrismaClient;
  if (mode === 'embedded') {
    logger.info({ dataDir: config.GATEHOUSE_DATA_DIR }, 'opening embedded Postgres (PGlite)');
    const db = await openEmbeddedDatabase(config.GATEHOUSE_DATA_DIR);
    prisma = db.prisma;
    closers.push(() => db.close());
  } else {
    if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
    prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL });
    closers.push(() => prisma.$disconnect());
  }
  const checks: Record<string, ReadinessCheck> = {
    postgres: async () => {
      await prisma.$queryRawUnsafe('SELECT 1');
    },
  };

  let redis: RedisConnection | undefined;
  let bus: Bus;
  let sessions: SessionStore;
  let events: SessionEventLog;
  let eras: UpstreamEraStore;
  const topology = redisTopology(config);
  if (mode === 'embedded' || !topology) {
    bus = new InMemoryBus();
    sessions = new InMemorySessionStore();
    eras = new InMemoryUpstreamEraStore();
    events = new InMemorySessionEventLog(
      config.SESSION_EVENT_LOG_MAX,
      config.SESSION_EVENT_LOG_MAX_BYTES,
    );
  } else {
    const connection = createRedisClient(topology, service);
    connection.on('error', (error: Error) =>
      logger.warn({ err: error.message }, 'redis connection problem'),
    );
    redis = connection;
    bus = new RedisBus(topology, config.REDIS_KEY_PREFIX, {}, (error, channel) =>
      logger.warn({ err: error, channel }, 'bad bus message'),
    );
    sessions = new RedisSessionStore(connection, config.REDIS_KEY_PREFIX);
    eras = new RedisUpstreamEraStore(connection, config.REDIS_KEY_PREFIX);
    events = new RedisSessionEventLog(
      connection,
      bus,
      config.REDIS_KEY_PREFIX,
      config.SESSION_EVENT_LOG_MAX,
      config.SESSION_EVENT_LOG_MAX_BYTES,
      config.SESSION_IDLE_TTL_SECONDS,
    );
    checks['redis'] = async () => {
      await connection.ping();
    };
    closers.push(() => connection.quit());
  }
  closers.push(
    () => bus.close(),
    () => sessions.close(),
  );

  return {
    mode,
    config,
    logger,
    prisma,
    repos: createRepositories(prisma),
    redis,
    bus,
    sessions,
    events,
    eras,
    secrets,
    checks,
    close: async () => {
      for (const close of closers.reverse()) {
        await close().catch((error: unknown) => logger.warn({ err: error }, 'error while closing'));
      }
    },
  };
}

function encryptionKey(config: GatehouseConfig, mode: RuntimeMode, logger: Logger): string {
  if (config.GATEHOUSE_ENCRYPTION_KEY) return config.GATEHOUSE_ENCRYPTION_KEY;
  if (mode === 'embedded') {
    // The laptop default keeps a generated key beside its database, readable only by the user.
    const file = join(config.GATEHOUSE_DATA_DIR, 'encryption.key');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    mkdirSync(dirname(file), { recursive: true });
    const key = randomBytes(32).toString('base64');
    writeFileSync(file, key, { mode: 0o600 });
    logger.info({ file }, 'generated an encryption key for upstream credentials');
    return key;
  }
  logger.warn(
    'GATEHOUSE_ENCRYPTION_KEY is not set: using a temporary key, so upstream credentials stored now will be unreadable after a restart',
  );
  return randomBytes(32).toString('base64');
}
