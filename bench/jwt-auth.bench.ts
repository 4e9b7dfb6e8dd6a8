/**
 * What authenticating a tools/call costs with a JWT access token next to a gth_ token, both on
 * the warm path (everything cached, no I/O): the only per-call difference between the two.
 *
 *   npx tsx bench/jwt-auth.bench.ts [iterations]
 */
import { benchJwtWarm, benchTokenCacheHit, type MicroRow } from './lib/micro';

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 20_000);
  const rows: MicroRow[] = [await benchTokenCacheHit(iterations), await benchJwtWarm(iterations)];
  console.log(`Node ${process.version}, ${iterations} calls each, microseconds\n`);
  console.log('| Operation | p50 | p99 | mean |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.operation} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.mean.toFixed(1)} |`,
    );
  }
}

void main();
