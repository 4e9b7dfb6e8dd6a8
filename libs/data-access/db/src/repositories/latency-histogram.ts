import { Prisma } from '../generated/prisma/client';

/**
 * Latency histogram of the hourly audit rollup (audit_tool_hours.latency_histogram).
 *
 * Buckets are log-spaced at a ratio of 2^(1/4) over integer milliseconds: the lower bounds are
 * the distinct values of ceil(2^(j/4)) for j = 0..88 (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16,
 * 20, 23, 27, 32, ... 4,194,304 ms ≈ 70 min). Bucket 0 holds latencies below 1 ms (0 ms);
 * bucket k (1..N) holds the integers in [BOUNDS[k-1], BOUNDS[k]), the last one everything from
 * 2^22 ms up. A percentile is read as the geometric middle of the integers of its bucket
 * (exact where a bucket holds one integer, i.e. below 8 ms), interpolated between neighbouring
 * ranks as percentile_cont does: the estimate is within a factor 2^(1/8) (+9.05 % / -8.3 %) of
 * the exact percentile_cont, for latencies up to 2^22 ms.
 */
export const LATENCY_BUCKET_BOUNDS: readonly number[] = [
  ...new Set(Array.from({ length: 89 }, (_, j) => Math.ceil(2 ** (j / 4) - 1e-9))),
];

/** Bucket count of a histogram array (bucket 0 plus one per lower bound). */
export const LATENCY_BUCKETS = LATENCY_BUCKET_BOUNDS.length + 1;

/** Largest factor between a percentile estimate and percentile_cont (both ways). */
export const LATENCY_PERCENTILE_FACTOR = 2 ** (1 / 8);

/** Bucket index of a latency, as the SQL `width_bucket(latency_ms, BOUNDS)` computes it. */
export function latencyBucket(latencyMs: number): number {
  let k = 0;
  while (k < LATENCY_BUCKET_BOUNDS.length && latencyMs >= (LATENCY_BUCKET_BOUNDS[k] ?? 0)) k++;
  return k;
}

/** The value a bucket stands for: the geometric middle of its integers (0 for bucket 0). */
export function latencyBucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  const low = LATENCY_BUCKET_BOUNDS[bucket - 1] ?? 0;
  const next = LATENCY_BUCKET_BOUNDS[bucket];
  const high = next === undefined ? low : next - 1;
  return Math.sqrt(low * high);
}

/**
 * percentile_cont(q) of the latencies a histogram counts, each latency read as its bucket's
 * value; null when it counts nothing.
 */
export function histogramPercentile(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const position = q * (total - 1);
  const below = Math.floor(position);
  const lower = valueAtRank(histogram, below);
  const upper = position > below ? valueAtRank(histogram, below + 1) : lower;
  return lower + (position - below) * (upper - lower);
}

/** The bucket value of the 0-based `rank`-th smallest latency. */
function valueAtRank(histogram: readonly number[], rank: number): number {
  let seen = 0;
  for (let bucket = 0; bucket < histogram.length; bucket++) {
    seen += histogram[bucket] ?? 0;
    if (seen > rank) return latencyBucketValue(bucket);
  }
  return latencyBucketValue(histogram.length - 1);
}

const INDEXES = Array.from({ length: LATENCY_BUCKETS }, (_, i) => i);

/** SQL: the bucket of `latency_ms` (NULL for NULL). */
export const SQL_LATENCY_BUCKET = Prisma.raw(
  `width_bucket(latency_ms, '{${LATENCY_BUCKET_BOUNDS.join(',')}}'::int[])`,
);

/** SQL aggregate over rows (bucket, n): the dense int[] histogram. */
export const SQL_HISTOGRAM_OF_BUCKETS = Prisma.raw(
  `ARRAY[${INDEXES.map((i) => `coalesce(sum(n) FILTER (WHERE bucket = ${i}), 0)`).join(', ')}]::int[]`,
);

/** SQL: element-wise `a op b` of two histograms (column expressions). */
export function sqlHistogramCombine(a: string, op: '+' | '-', b: string): Prisma.Sql {
  return Prisma.raw(
    `ARRAY[${INDEXES.map((i) => `${a}[${i + 1}] ${op} ${b}[${i + 1}]`).join(', ')}]`,
  );
}

/** SQL aggregate: element-wise sum of a histogram column, as bigint[]. */
export function sqlHistogramSum(column: string): Prisma.Sql {
  return Prisma.raw(
    `ARRAY[${INDEXES.map((i) => `sum(${column}[${i + 1}])`).join(', ')}]::bigint[]`,
  );
}
