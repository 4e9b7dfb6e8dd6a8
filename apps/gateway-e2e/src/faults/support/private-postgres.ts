import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  freePort,
  launchOnFreePort,
  startOwnedProcess,
  waitFor,
  type OwnedProcess,
} from './owned-process';

/**
 * A PostgreSQL cluster of the test's own: `initdb` into a temporary directory, `postgres` on a
 * free port (TCP on 127.0.0.1, its Unix socket in the same temporary directory), trust auth,
 * fsync off. The shared server on 5432 is never touched, so the test may stop this one.
 *
 * Postgres refuses to run as root: as root, the cluster runs as the `postgres` user (setpriv);
 * as anyone else, as that user. The binaries are found in FAULTS_PG_BIN or
 * /usr/lib/postgresql/<newest>/bin.
 */
export interface PrivatePostgres {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres — a base URL for createTestDatabase. */
  readonly baseUrl: string;
  readonly process: OwnedProcess | undefined;
  /** Accepts a connection and answers SELECT 1 right now. */
  isUp(): Promise<boolean>;
  /**
   * Stops the server: 'fast' (SIGINT: connections cut, clean shutdown, like `pg_ctl -m fast`)
   * or 'kill' (SIGKILL of the postmaster: a crash; the next start recovers from WAL).
   */
  stop(mode?: 'fast' | 'kill'): Promise<void>;
  /** Starts again on the same port and data directory; resolves when it answers. */
  start(): Promise<void>;
  /** Stops the server and deletes the data directory. */
  close(): Promise<void>;
}

function pgBin(): string {
  const configured = process.env['FAULTS_PG_BIN'];
  if (configured) return configured;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(
      'no PostgreSQL server binaries: set FAULTS_PG_BIN to the directory holding initdb and postgres',
    );
  return join(root, versions[0]!, 'bin');
}

/**
 * Data directories left by a test process that was killed outright (its postgres died with it,
 * through pdeathsig, but no cleanup code ran): older than an hour, with no live postmaster.
 */
function removeAbandonedClusters(): void {
  const hourAgo = Date.now() - 60 * 60_000;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('gh-faults-pg-')) continue;
    const dir = join(tmpdir(), name);
    try {
      if (statSync(dir).mtimeMs > hourAgo) continue;
      const pidFile = join(dir, 'data', 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (pid > 0 && isAlive(pid)) continue;
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another run's directory, or gone meanwhile
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  removeAbandonedClusters();
  const bin = pgBin();
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? 'postgres' : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'gh-faults-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const initdb = startOwnedProcess(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    { name: 'initdb', ...(user ? { user } : {}), cwd: dir },
  );
  const result = await initdb.exited;
  if (result.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${result.code ?? result.signal}):\n${initdb.output()}`);
  }

  let port = await freePort();
  let current: OwnedProcess | undefined;

  const isUp = async (): Promise<boolean> => {
    const client = new Client({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectionTimeoutMillis: 1000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  const launch = async (): Promise<void> => {
    const proc = startOwnedProcess(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'log_min_messages=warning',
      ],
      { name: `postgres:${port}`, ...(user ? { user } : {}), cwd: dir },
    );
    current = proc;
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`postgres exited:\n${proc.output()}`);
        return isUp();
      },
      { timeoutMs: 20_000, what: `private postgres on ${port}`, detail: () => proc.output() },
    );
  };

  try {
    await launchOnFreePort(launch, {
      cleanUp: async () => {
        await current?.kill();
      },
      nextPort: async () => {
        port = await freePort();
      },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const pg: PrivatePostgres = {
    get port() {
      return port;
    },
    get baseUrl() {
      return `postgres://postgres@127.0.0.1:${port}/postgres`;
    },
    get process() {
      return current;
    },
    isUp,
    async stop(mode = 'fast') {
      if (!current?.running) return;
      if (mode === 'kill') await current.kill();
      else await current.stop('SIGINT', 15_000);
    },
    async start() {
      if (current?.running) return;
      // After a kill, the old backends may hold the shared memory for a moment: retry.
      for (let attempt = 0; ; attempt++) {
        try {
          await launch();
          return;
        } catch (error) {
          await current?.kill();
          if (attempt >= 4) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    async close() {
      await current?.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return pg;
}
