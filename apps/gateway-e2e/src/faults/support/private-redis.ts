import { Socket } from 'node:net';
import {
  freePort,
  launchOnFreePort,
  startOwnedProcess,
  waitFor,
  type OwnedProcess,
} from './owned-process';

const REDIS_SERVER = process.env['FAULTS_REDIS_SERVER'] ?? '/usr/bin/redis-server';

/**
 * A redis-server of the test's own, on a free port, without persistence (`--save ""`,
 * `--appendonly no`): a restart loses every key, like a Redis without a volume. The shared
 * Redis on 6379 is never touched.
 */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly process: OwnedProcess | undefined;
  /** Answers PING right now. */
  ping(): Promise<boolean>;
  /** A raw command (RESP over a short-lived socket; no client library state involved). */
  command(...args: string[]): Promise<string>;
  /** kill -9 (default) or SIGTERM; waits for the exit. Data is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port; resolves when it answers PING. */
  start(): Promise<void>;
  /** Stops and, after `downMs`, starts again. */
  restart(downMs?: number): Promise<void>;
  /** Stops for good (afterAll). */
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  let port = await freePort();
  let current: OwnedProcess | undefined;

  const launch = async (): Promise<void> => {
    const proc = startOwnedProcess(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--protected-mode',
        'no',
        '--loglevel',
        'warning',
      ],
      { name: `redis:${port}` },
    );
    current = proc;
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`redis-server exited:\n${proc.output()}`);
        return ping(port);
      },
      { timeoutMs: 10_000, what: `private redis on ${port}`, detail: () => proc.output() },
    );
  };

  await launchOnFreePort(launch, {
    cleanUp: async () => {
      await current?.kill();
    },
    nextPort: async () => {
      port = await freePort();
    },
  });

  const redis: PrivateRedis = {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get process() {
      return current;
    },
    ping: () => ping(port),
    command: (...args) => command(port, args),
    async stop(signal = 'SIGKILL') {
      await current?.stop(signal);
    },
    async start() {
      if (current?.running) return;
      await launch();
    },
    async restart(downMs = 0) {
      await redis.stop();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await redis.start();
    },
    async close() {
      await current?.kill();
    },
  };
  return redis;
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await command(port, ['PING'])) === 'PONG';
  } catch {
    return false;
  }
}

/** One command in RESP, one reply (simple string, integer, bulk string; arrays flattened). */
function command(port: number, args: string[], timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0]}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (error: Error | null, value?: string) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(value ?? '');
    };
    socket.once('error', (error) => done(error));
    socket.connect(port, '127.0.0.1', () => {
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
      );
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const parsed = parseReply(buffer);
      if (parsed === undefined) return;
      if (parsed instanceof Error) done(parsed);
      else done(null, parsed);
    });
  });
}

function parseReply(text: string): string | Error | undefined {
  const end = text.indexOf('\r\n');
  if (end < 0) return undefined;
  const head = text.slice(1, end);
  switch (text[0]) {
    case '+':
    case ':':
      return head;
    case '-':
      return new Error(head);
    case '$': {
      const length = Number(head);
      if (length < 0) return '';
      if (text.length < end + 2 + length + 2) return undefined;
      return text.slice(end + 2, end + 2 + length);
    }
    case '*':
      // Arrays: only the count is needed by the helpers (e.g. XLEN is an integer anyway).
      return head;
    default:
      return new Error(`unexpected redis reply: ${text.slice(0, 40)}`);
  }
}
