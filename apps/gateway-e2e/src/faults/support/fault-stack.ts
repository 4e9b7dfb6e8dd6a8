import { randomBytes } from 'node:crypto';
import {
  startGatewayHarness,
  type GatewayHarness,
  type HarnessOptions,
} from '../../support/gateway-harness';
import { startAppProcess, type AppName, type AppProcess } from './app-process';
import { killAllOwned } from './owned-process';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres';
import { startPrivateRedis, type PrivateRedis } from './private-redis';

export interface FaultStackOptions {
  /** Gateway replicas to start as processes (default 2), named gateway-a, gateway-b, ... */
  gateways?: number;
  /** Start the audit-service as a process (default false). */
  auditService?: boolean;
  /** Extra environment for every app process. */
  env?: Record<string, string>;
  harness?: Omit<HarnessOptions, 'replicas' | 'redisUrl' | 'databaseBaseUrl'>;
}

/**
 * Everything a fault needs, none of it shared with the rest of the machine: a private
 * redis-server and a private Postgres cluster (free ports), a seeded tenant with two fixture
 * upstreams and callers (gateway-harness, no in-process replica), and the apps as separate OS
 * processes. `close()` never throws and leaves no process behind.
 */
export interface FaultStack {
  redis: PrivateRedis;
  postgres: PrivatePostgres;
  h: GatewayHarness;
  /** The environment the app processes get. */
  env: Record<string, string>;
  gateways: AppProcess[];
  auditService: AppProcess | undefined;
  startApp(app: AppName, name?: string): Promise<AppProcess>;
  /** Prints the output of every app process (for a failing test). */
  dumpOutput(): string;
  close(): Promise<void>;
}

export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const started: AppProcess[] = [];
  let redis: PrivateRedis | undefined;
  let postgres: PrivatePostgres | undefined;
  let h: GatewayHarness | undefined;
  const close = async () => {
    const errors: unknown[] = [];
    await Promise.all(started.map((p) => p.kill().catch((e: unknown) => errors.push(e))));
    // The harness drops its database: Postgres must be up for that (a test may have left it down).
    if (postgres && !postgres.process?.running) await postgres.start().catch(() => undefined);
    if (redis && !redis.process?.running) await redis.start().catch(() => undefined);
    await h?.close().catch((e: unknown) => errors.push(e));
    await redis?.close().catch((e: unknown) => errors.push(e));
    await postgres?.close().catch((e: unknown) => errors.push(e));
    await killAllOwned();
    if (errors.length > 0 && process.env['FAULTS_VERBOSE'])
      process.stderr.write(`fault stack cleanup: ${errors.map(String).join('; ')}\n`);
  };
  try {
    [redis, postgres] = await Promise.all([startPrivateRedis(), startPrivatePostgres()]);
    h = await startGatewayHarness({
      ...options.harness,
      replicas: 0,
      redisUrl: redis.url,
      databaseBaseUrl: postgres.baseUrl,
    });
    const env: Record<string, string> = {
      ...h.env,
      GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: process.env['FAULTS_LOG_LEVEL'] ?? 'warn',
      SHUTDOWN_GRACE_MS: '5000',
      ...options.env,
    };
    const startApp = async (app: AppName, name?: string) => {
      const proc = await startAppProcess(app, env, name ? { name } : {});
      started.push(proc);
      return proc;
    };
    const names = Array.from(
      { length: options.gateways ?? 2 },
      (_, i) => `gateway-${String.fromCharCode(97 + i)}`,
    );
    const [auditService, ...gateways] = await Promise.all([
      options.auditService ? startApp('audit-service') : Promise.resolve(undefined),
      ...names.map((name) => startApp('gateway', name)),
    ]);
    const stack: FaultStack = {
      redis,
      postgres,
      h,
      env,
      gateways: gateways as AppProcess[],
      auditService,
      startApp,
      dumpOutput: () =>
        started.map((p) => `----- ${p.name} (${p.url}) -----\n${p.output()}`).join('\n'),
      close,
    };
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}
