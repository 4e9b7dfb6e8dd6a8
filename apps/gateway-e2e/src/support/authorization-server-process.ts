import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..', '..', '..');

export interface AuthorizationServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  close(): Promise<void>;
}

/**
 * A replica of the authorization server as its own OS process (the real
 * `apps/authorization-server` main, from source with tsx): oidc-provider is ESM-only, which
 * jest's CommonJS runtime cannot load on Node 20, and a process is what production runs.
 */
export async function startAuthorizationServerProcess(
  env: Record<string, string>,
  port: number,
  timeoutMs = 60_000,
): Promise<AuthorizationServerProcess> {
  let output = '';
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
      join(ROOT, 'apps', 'authorization-server', 'src', 'main.ts'),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.base.json'),
        LOG_LEVEL: 'warn',
        ...env,
        AUTHORIZATION_SERVER_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`authorization server exited with ${child.exitCode}:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`authorization server not ready after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    output: () => output,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
