// Preloaded into a gateway process by the fault suite (NODE_OPTIONS=--require ...): samples
// memory every 50 ms and, on SIGUSR2, forces a full GC and prints one line
//   MEMPROBE {"rss":..,"heapUsed":..,"external":..,"arrayBuffers":..,"peakRss":..,"peakHeapUsed":..}
// with the peaks since the previous report (then resets them). Test-only; never in production.
'use strict';
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
let peakRss = 0;
let peakHeapUsed = 0;
const sample = () => {
  const m = process.memoryUsage();
  if (m.rss > peakRss) peakRss = m.rss;
  if (m.heapUsed > peakHeapUsed) peakHeapUsed = m.heapUsed;
  return m;
};
setInterval(sample, 50).unref();
process.on('SIGUSR2', () => {
  sample();
  const peaks = { peakRss, peakHeapUsed };
  gc();
  gc();
  const m = process.memoryUsage();
  process.stderr.write(
    `MEMPROBE ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, ...peaks })}\n`,
  );
  peakRss = m.rss;
  peakHeapUsed = m.heapUsed;
});
