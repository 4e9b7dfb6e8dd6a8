import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..', '..', '..', '..');

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/**
 * A gateway replica as its own OS process (the real `apps/gateway` main, run from source with
 * tsx), so a test can kill it with SIGKILL or SIGTERM like an orchestrator would.
 */
export async function startGatewayProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<GatewayProcess> {
  const port = await freePort();
  let output = '';
  // Node with the tsx loader, not the tsx CLI: the CLI runs the app in a child process of its
  // own, so a SIGKILL sent to `child` would kill the CLI and leave the gateway running.
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
      join(ROOT, 'apps', 'gateway', 'src', 'main.ts'),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.base.json'),
        ...env,
        PORT: String(port),
        UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`gateway process exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway process not ready after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, child, output: () => output };
}

/** A fetch that behaves like a load balancer dropping dead backends: on a refused connection it tries the next replica. */
export function failoverFetch(baseUrls: string[]): typeof fetch {
  let next = 0;
  return async (input, init) => {
    let lastError: unknown;
    // Each call tries every replica once, from its own starting point: with a shared counter,
    // concurrent calls (a POST and the SDK's GET reconnect) could both land on the dead one twice.
    const start = next++;
    for (let attempt = 0; attempt < baseUrls.length; attempt++) {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const target = new URL(baseUrls[(start + attempt) % baseUrls.length]!);
      url.host = target.host;
      try {
        return await fetch(url, init);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };
}
