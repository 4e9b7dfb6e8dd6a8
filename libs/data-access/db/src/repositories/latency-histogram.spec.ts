import {
  histogramPercentile,
  LATENCY_BUCKET_BOUNDS,
  LATENCY_BUCKETS,
  LATENCY_PERCENTILE_FACTOR,
  latencyBucket,
  latencyBucketValue,
} from './latency-histogram';

function histogramOf(latencies: number[]): number[] {
  const histogram = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const l of latencies) {
    const bucket = latencyBucket(l);
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  }
  return histogram;
}

describe('latency histogram', () => {
  it('has strictly rising integer bounds from 1 ms to 2^22 ms', () => {
    expect(LATENCY_BUCKET_BOUNDS[0]).toBe(1);
    expect(LATENCY_BUCKET_BOUNDS.at(-1)).toBe(2 ** 22);
    expect(LATENCY_BUCKETS).toBe(85);
    for (let k = 1; k < LATENCY_BUCKET_BOUNDS.length; k++) {
      expect(LATENCY_BUCKET_BOUNDS[k]).toBeGreaterThan(LATENCY_BUCKET_BOUNDS[k - 1] ?? Infinity);
    }
  });

  it('reads every latency up to 2^22 ms within the factor 2^(1/8), and small ones exactly', () => {
    expect(latencyBucketValue(latencyBucket(0))).toBe(0);
    for (let ms = 1; ms <= 7; ms++) expect(latencyBucketValue(latencyBucket(ms))).toBe(ms);
    for (let ms = 1; ms <= 2 ** 22; ms = ms < 5000 ? ms + 1 : Math.ceil(ms * 1.0007)) {
      const ratio = latencyBucketValue(latencyBucket(ms)) / ms;
      expect(ratio).toBeLessThanOrEqual(LATENCY_PERCENTILE_FACTOR);
      expect(ratio).toBeGreaterThanOrEqual(1 / LATENCY_PERCENTILE_FACTOR);
    }
  });

  it('interpolates percentiles between ranks as percentile_cont does', () => {
    expect(histogramPercentile(histogramOf([]), 0.5)).toBeNull();
    expect(histogramPercentile(histogramOf([5]), 0.95)).toBe(5);
    // Ranks 0..3 of [1, 2, 3, 4]: p50 sits halfway between 2 and 3.
    expect(histogramPercentile(histogramOf([4, 1, 3, 2]), 0.5)).toBe(2.5);
    expect(histogramPercentile(histogramOf([0, 0, 0, 7]), 0.95)).toBeCloseTo(0.85 * 7);
  });
});
