import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort, startOwnedProcess, waitFor, type OwnedProcess } from './owned-process';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export type AppName = 'gateway' | 'audit-service' | 'admin-api';

export interface AppProcess {
  app: AppName;
  name: string;
  /** http://127.0.0.1:<port> (the gateway's /mcp, the audit-service's health port, ...). */
  url: string;
  port: number;
  process: OwnedProcess;
  output(): string;
  /** kill -9 and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful drain) and wait; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readyz(): Promise<{ status: number; body: ReadinessBody | undefined }>;
}

export interface ReadinessBody {
  status: string;
  checks: Record<string, string>;
}

/**
 * One Gatehouse app as its own OS process, run from source: `node --import tsx/loader
 * apps/<app>/src/main.ts` (no `tsx` CLI in between: the CLI runs the app in a child process,
 * so a SIGKILL sent to the CLI would leave the app running). `child.pid` is the app.
 * Resolves once `/readyz` answers 200 (or when `waitReady` is false, once it listens).
 */
export async function startAppProcess(
  app: AppName,
  env: Record<string, string>,
  options: { name?: string; timeoutMs?: number; waitReady?: boolean } = {},
): Promise<AppProcess> {
  const port = await freePort();
  const name = options.name ?? app;
  const proc = startOwnedProcess(
    process.execPath,
    ['--import', TSX_LOADER, join(ROOT, 'apps', app, 'src', 'main.ts')],
    {
      name,
      cwd: ROOT,
      env: {
        ...process.env,
        // jest's NODE_OPTIONS (--experimental-vm-modules) is not for the app.
        NODE_OPTIONS: '',
        TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.base.json'),
        UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env['FAULTS_LOG_LEVEL'] ?? 'warn',
        ...env,
        PORT: String(port),
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const readyz = async () => {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    let body: ReadinessBody | undefined;
    try {
      body = JSON.parse(text) as ReadinessBody;
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  };
  await waitFor(
    async () => {
      if (!proc.running) throw new Error(`${name} exited`);
      if (options.waitReady === false) {
        await fetch(`${url}/healthz`);
        return true;
      }
      return (await readyz()).status === 200;
    },
    {
      timeoutMs: options.timeoutMs ?? 60_000,
      intervalMs: 200,
      what: `${name} ready on ${url}`,
      detail: () => proc.output(),
    },
  ).catch(async (error: unknown) => {
    await proc.kill();
    throw error;
  });
  return {
    app,
    name,
    url,
    port,
    process: proc,
    output: () => proc.output(),
    kill: async () => {
      await proc.kill();
    },
    stop: (graceMs = 15_000) => proc.stop('SIGTERM', graceMs),
    readyz,
  };
}
