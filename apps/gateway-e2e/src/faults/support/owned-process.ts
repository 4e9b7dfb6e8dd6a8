import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Child processes of the fault suite (redis-server, postgres, gateway replicas, ...) that must
 * never outlive the test process, whatever happens to it:
 *
 * - each is started through `setpriv --pdeathsig SIGKILL`, so the kernel kills it when the
 *   test process dies, even by SIGKILL or an OOM kill (no cleanup code runs then);
 * - each is registered here and SIGKILLed on the test process's `exit`;
 * - `stop()` / `killAll()` end them in afterAll/afterEach, and wait for the exit.
 *
 * The child is exec'd by setpriv, so `child.pid` is the real process (a SIGKILL sent to it
 * kills the service itself, not a wrapper).
 */
const SETPRIV = '/usr/bin/setpriv';
const owned = new Set<OwnedProcess>();
let exitHookInstalled = false;

export interface OwnedProcessOptions {
  /** Short name for messages (e.g. "redis", "gateway-a"). */
  name: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (setpriv --reuid/--regid/--init-groups), e.g. "postgres". */
  user?: string;
  /** Keep at most this many characters of stdout+stderr (default 200 kB). */
  maxOutput?: number;
}

export class OwnedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private log = '';

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: OwnedProcessOptions,
  ) {
    const maxOutput = options.maxOutput ?? 200_000;
    const wrapper: string[] = ['--pdeathsig', 'SIGKILL'];
    if (options.user)
      wrapper.push('--reuid', options.user, '--regid', options.user, '--init-groups');
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd ?? process.cwd(),
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    this.child = existsSync(SETPRIV)
      ? spawn(SETPRIV, [...wrapper, '--', command, ...args], spawnOptions)
      : spawn(command, args, spawnOptions);
    const keep = (chunk: Buffer) => {
      this.log += chunk.toString();
      if (this.log.length > maxOutput) this.log = this.log.slice(-maxOutput);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        owned.delete(this);
        resolve({ code, signal });
      });
    });
    this.child.once('error', (error) => {
      this.log += `\n[spawn error] ${error.message}\n`;
    });
    owned.add(this);
    installExitHook();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.log;
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs` if still running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
  }

  /** kill -9, waiting until the process is gone. */
  kill() {
    return this.stop('SIGKILL');
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous: the last chance when jest exits without running afterAll (pdeathsig covers
  // the cases where not even this runs).
  process.on('exit', () => {
    for (const p of owned) {
      try {
        p.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function startOwnedProcess(
  command: string,
  args: string[],
  options: OwnedProcessOptions,
): OwnedProcess {
  return new OwnedProcess(options.name, command, args, options);
}

/** Every child still running (for a test's own assertions and cleanup). */
export function ownedProcesses(): OwnedProcess[] {
  return [...owned];
}

/** SIGKILLs every child still running and waits until each has exited. */
export async function killAllOwned(): Promise<void> {
  await Promise.all([...owned].map((p) => p.kill()));
}

export { freePort } from '../../support/free-port';

/** Polls `probe` until it resolves truthy; throws with `describe()` after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs: number; intervalMs?: number; what: string; detail?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `${options.what}: not after ${options.timeoutMs} ms${why}${options.detail ? `\n${options.detail()}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

/**
 * Starts a server on a port found free, trying another port up to twice: the port can be taken
 * between the probe and the bind. After a failed try `cleanUp` runs (kill what half started);
 * before the next one `nextPort` picks another port. The last failure is thrown.
 */
export async function launchOnFreePort(
  launch: () => Promise<void>,
  steps: { cleanUp: () => Promise<void>; nextPort: () => Promise<void> },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      return;
    } catch (error) {
      await steps.cleanUp();
      if (attempt >= 2) throw error;
      await steps.nextPort();
    }
  }
}
