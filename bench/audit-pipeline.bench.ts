// Sustained audit throughput: events XADDed to the Redis Stream, read by AuditWorker(s),
// written to Postgres. Run: npx tsx --tsconfig tsconfig.base.json bench/audit-pipeline.bench.ts
// Env: EVENTS (default 100000), BATCH (AUDIT_BATCH_SIZE, default 1000), WORKERS (workers per
// process, default 1), PROCS (0: the workers run in this process; N: N child processes, as N
// audit-service instances, each with WORKERS workers), STORE (recordset | prisma, default
// recordset), PROFILE=1 writes a .cpuprofile of every worker process into tmp/.
// Prints one JSON line: events/s plus the CPU each part spent per 1,000 events (this process,
// worker processes, the Postgres backends of the run, the whole Redis server).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { toAuditEvent } from '@gatehouse/audit-contracts';
import { auditStreamKeys, recordsetAuditStore } from '@gatehouse/audit-stream';
import { AuditWorker } from '@gatehouse/audit-worker';
import {
  createPrismaClient,
  createRepositories,
  createTestDatabase,
  type PrismaClient,
} from '@gatehouse/data-access';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const EVENTS = Number(process.env['EVENTS'] ?? 100_000);
const BATCH = Number(process.env['BATCH'] ?? 1000);
const WORKERS = Number(process.env['WORKERS'] ?? 1);
const PROCS = Number(process.env['PROCS'] ?? 0);
/** STORE=recordset (one jsonb_to_recordset INSERT) or prisma (createMany). */
const STORE = process.env['STORE'] ?? 'recordset';

function startWorkers(prisma: PrismaClient, prefix: string, tag: string): AuditWorker[] {
  return Array.from(
    { length: WORKERS },
    (_, i) =>
      new AuditWorker({
        redisUrl: REDIS_URL,
        prefix,
        repositories: createRepositories(prisma),
        consumerName: `bench-${tag}-${i}`,
        batchSize: BATCH,
        batchMaxWaitMs: 50,
        retentionIntervalMs: 0,
        ...(STORE === 'recordset' ? { store: recordsetAuditStore(prisma) } : {}),
      }),
  );
}

type ToChild = { stop: true };
type FromChild =
  | { ready: true }
  | { processed: number }
  | { stopped: true; cpuMs: number; lastBatchMs: (number | null)[] };

/** A child process hosting WORKERS workers, like one audit-service instance. */
async function childMain(): Promise<void> {
  const url = process.env['BENCH_DB_URL'] ?? '';
  const prefix = process.env['BENCH_PREFIX'] ?? '';
  const prisma = createPrismaClient({ databaseUrl: url, maxConnections: 4 });
  const workers = startWorkers(prisma, prefix, String(process.pid));
  await Promise.all(workers.map((w) => w.start()));
  const send = (message: FromChild) => process.send?.(message);
  send({ ready: true });
  const cpu0 = process.cpuUsage();
  const timer = setInterval(
    () => send({ processed: workers.reduce((n, w) => n + w.processed, 0) }),
    20,
  );
  process.on('message', (message: ToChild) => {
    if (!message.stop) return;
    clearInterval(timer);
    void (async () => {
      await Promise.all(workers.map((w) => w.stop()));
      const cpu = process.cpuUsage(cpu0);
      await prisma.$disconnect();
      send({
        stopped: true,
        cpuMs: (cpu.user + cpu.system) / 1000,
        lastBatchMs: workers.map((w) => w.lastBatchMs),
      });
      process.disconnect?.();
    })();
  });
}

/** utime + stime of a process, in ms (Linux /proc, clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (key: string) => Number(/^.*$/m.exec(info.split(`${key}:`)[1] ?? '0')?.[0] ?? 0);
  return (value('used_cpu_user') + value('used_cpu_sys')) * 1000;
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redis = new Redis(REDIS_URL);
  const prefix = `bench:${randomUUID()}:`;
  const { stream } = auditStreamKeys(prefix);
  const repos = createRepositories(db.prisma);
  const tenant = await repos.tenants.create({ slug: 'bench', name: 'Bench' });
  const children: ChildProcess[] = [];
  const pg = new Client({ connectionString: new URL('/postgres', db.url).toString() });
  await pg.connect();
  try {
    // Pre-serialise realistic events (redacted arguments) so the clock measures the pipeline.
    const payloads = Array.from({ length: EVENTS }, (_, i) =>
      JSON.stringify(
        toAuditEvent(
          {
            tenantId: tenant.id,
            personId: randomUUID(),
            tokenId: randomUUID(),
            sessionId: `session-${i % 100}`,
            method: 'tools/call',
            upstream: 'github',
            tool: `tool_${i % 20}`,
            decision: 'allow',
            matchedRules: ['r1'],
            outcome: 'ok',
            latencyMs: i % 250,
            arguments: { repo: 'acme/app', title: `issue ${i}`, token: 'gth_secret' },
          },
          { mode: 'redacted', maxBytes: 4096 },
        ),
      ),
    );
    const local = PROCS > 0 ? [] : startWorkers(db.prisma, prefix, 'local');
    await Promise.all(local.map((w) => w.start()));
    const childProcessed = new Map<ChildProcess, number>();
    const childStopped = new Map<ChildProcess, Extract<FromChild, { stopped: true }>>();
    await Promise.all(
      Array.from({ length: PROCS }, async () => {
        const child = fork(process.argv[1] ?? '', [], {
          env: {
            ...process.env,
            AUDIT_BENCH_CHILD: '1',
            BENCH_DB_URL: db.url,
            BENCH_PREFIX: prefix,
          },
          execArgv: [
            ...process.execArgv,
            ...(process.env['PROFILE'] ? ['--cpu-prof', '--cpu-prof-dir=tmp'] : []),
          ],
        });
        children.push(child);
        childProcessed.set(child, 0);
        await new Promise<void>((resolve, reject) => {
          child.on('message', (message: FromChild) => {
            if ('ready' in message) resolve();
            else if ('processed' in message) childProcessed.set(child, message.processed);
            else childStopped.set(child, message);
          });
          child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
        });
      }),
    );
    const cpu0 = process.cpuUsage();
    const redisCpu0 = await redisCpuMs(redis);
    const backendsAtStart = new Map(
      (
        await pg.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [
          db.name,
        ])
      ).rows.map((r) => [r.pid, procCpuMs(r.pid)]),
    );
    const started = performance.now();
    // Producer: pipelined XADDs in chunks, as many gateway replicas would do concurrently.
    const producing = (async () => {
      for (let i = 0; i < EVENTS; i += 1000) {
        const p = redis.pipeline();
        for (const payload of payloads.slice(i, i + 1000)) p.xadd(stream, '*', 'event', payload);
        await p.exec();
      }
      return performance.now() - started;
    })();
    const processed = () =>
      local.reduce((n, w) => n + w.processed, 0) +
      [...childProcessed.values()].reduce((n, p) => n + p, 0);
    while (processed() < EVENTS) await new Promise((r) => setTimeout(r, 20));
    const elapsed = performance.now() - started;
    const produceMs = await producing;
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = (await redisCpuMs(redis)) - redisCpu0;
    const { rows: backends } = await pg.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [db.name],
    );
    const postgresCpu = backends.reduce(
      (sum, { pid }) => sum + procCpuMs(pid) - (backendsAtStart.get(pid) ?? 0),
      0,
    );
    const stored = await db.prisma.auditEvent.count();
    await Promise.all(local.map((w) => w.stop()));
    for (const child of children) child.send({ stop: true } satisfies ToChild);
    while (childStopped.size < children.length) await new Promise((r) => setTimeout(r, 20));
    const perK = (ms: number) => Math.round((ms / EVENTS) * 1000);
    const workerProcsCpu = [...childStopped.values()].reduce((n, s) => n + s.cpuMs, 0);
    const result = {
      events: EVENTS,
      stored,
      batchSize: BATCH,
      store: STORE,
      workers: WORKERS,
      procs: PROCS,
      produceMs: Math.round(produceMs),
      totalMs: Math.round(elapsed),
      eventsPerSecond: Math.round((EVENTS / elapsed) * 1000),
      cpuMsPer1000Events: {
        benchProcess: perK((cpu.user + cpu.system) / 1000),
        workerProcesses: perK(workerProcsCpu),
        postgresBackends: perK(postgresCpu),
        redisServer: perK(redisCpu),
      },
      lastBatchMs: [
        ...local.map((w) => w.lastBatchMs),
        ...[...childStopped.values()].flatMap((s) => s.lastBatchMs),
      ],
    };
    console.log(JSON.stringify(result));
  } finally {
    for (const child of children) if (child.connected) child.kill();
    await pg.end();
    await redis.del(stream);
    await redis.quit();
    await db.drop();
  }
}

(process.env['AUDIT_BENCH_CHILD'] ? childMain() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
