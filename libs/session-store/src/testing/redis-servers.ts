import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Real redis-server processes (Debian's) in a temp dir on free loopback ports; stop() kills all. */
export interface RedisServers {
  ports: number[];
  dir: string;
  processes: Map<number, ChildProcess>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout;
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function start(dir: string, port: number, args: string[], sentinel = false): ChildProcess {
  const conf = join(dir, `${port}.conf`);
  writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\n`);
  const argv = sentinel ? [conf, '--sentinel'] : [conf, '--save', '', ...args];
  return spawn('redis-server', argv, { stdio: 'ignore' });
}

async function launch(count: number, args: (port: number) => string[]): Promise<RedisServers> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  const processes = new Map<number, ChildProcess>();
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) ports.push(await freePort());
  for (const port of ports) processes.set(port, start(dir, port, args(port)));
  for (const port of ports)
    await until(`redis ${port}`, async () => (await cli(port, 'PING')).includes('PONG'));
  return {
    ports,
    dir,
    processes,
    stop: async () => {
      for (const child of processes.values()) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A 6-node Redis Cluster: 3 masters, 3 replicas; resolves when every replica's link is up. */
export async function startRedisCluster(): Promise<RedisServers> {
  const servers = await launch(6, (port) => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    '2000',
    '--appendonly',
    'no',
  ]);
  const seeds = servers.ports.map((port) => `127.0.0.1:${port}`);
  await run('redis-cli', [
    '--cluster',
    'create',
    ...seeds,
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  await until('cluster replicas in sync', async () => {
    let replicasUp = 0;
    for (const port of servers.ports) {
      const info = await cli(port, 'INFO', 'replication');
      if (info.includes('role:slave') && info.includes('master_link_status:up')) replicasUp += 1;
    }
    const state = await cli(servers.ports[0] ?? 0, 'CLUSTER', 'INFO');
    return replicasUp === 3 && state.includes('cluster_state:ok');
  });
  return servers;
}

/** One master, one replica and three Sentinels monitoring it as `master` (quorum 2). */
export async function startRedisSentinel(
  master = 'gatehouse',
): Promise<RedisServers & { sentinels: number[] }> {
  const data = await launch(2, () => []);
  const [masterPort, replicaPort] = data.ports as [number, number];
  await cli(replicaPort, 'REPLICAOF', '127.0.0.1', String(masterPort));
  await until('replica in sync', async () =>
    (await cli(replicaPort, 'INFO', 'replication')).includes('master_link_status:up'),
  );
  const sentinels: number[] = [];
  for (let i = 0; i < 3; i += 1) sentinels.push(await freePort());
  for (const port of sentinels) {
    const child = start(data.dir, port, [], true);
    data.processes.set(port, child);
  }
  for (const port of sentinels) {
    await until(`sentinel ${port}`, async () => (await cli(port, 'PING')).includes('PONG'));
    await cli(port, 'SENTINEL', 'MONITOR', master, '127.0.0.1', String(masterPort), '2');
    await cli(port, 'SENTINEL', 'SET', master, 'down-after-milliseconds', '2000');
    await cli(port, 'SENTINEL', 'SET', master, 'failover-timeout', '10000');
  }
  await until('sentinels see each other', async () => {
    const info = await cli(sentinels[0] ?? 0, 'SENTINEL', 'MASTER', master);
    const lines = info.split('\n').map((line) => line.trim());
    const at = lines.indexOf('num-other-sentinels');
    return at >= 0 && Number(lines[at + 1]) === 2;
  });
  return { ...data, ports: [...data.ports, ...sentinels], sentinels };
}
