import { createLogger } from '@gatehouse/telemetry';
import { Writable } from 'node:stream';
import { installGracefulShutdown } from './shutdown';

const silent = createLogger(
  'test',
  'silent',
  new Writable({ write: (_chunk, _enc, done) => done() }),
);

function signal(): void {
  process.emit('SIGTERM', 'SIGTERM');
}

describe('installGracefulShutdown', () => {
  // Remove only the handlers a test installed (the test runner may have its own).
  let before: Record<'SIGTERM' | 'SIGINT', unknown[]>;
  beforeEach(() => {
    before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  });
  afterEach(() => {
    for (const name of ['SIGTERM', 'SIGINT'] as const)
      for (const listener of process.listeners(name))
        if (!before[name].includes(listener)) process.off(name, listener);
  });

  it('flushes telemetry after the drain and before exiting 0', async () => {
    const steps: string[] = [];
    const exited = new Promise<number>((resolve) =>
      installGracefulShutdown(
        async () => {
          steps.push('drain');
        },
        {
          graceMs: 1000,
          logger: silent,
          flush: async () => {
            steps.push('flush');
          },
          exit: (code) => {
            steps.push('exit');
            resolve(code);
          },
        },
      ),
    );
    signal();
    expect(await exited).toBe(0);
    expect(steps).toEqual(['drain', 'flush', 'exit']);
  });

  it('still flushes when the grace period runs out, and exits 1 even if the flush fails', async () => {
    const steps: string[] = [];
    const exited = new Promise<number>((resolve) =>
      installGracefulShutdown(() => new Promise<void>(() => undefined), {
        graceMs: 20,
        logger: silent,
        flush: async () => {
          steps.push('flush');
          throw new Error('collector down');
        },
        exit: resolve,
      }),
    );
    signal();
    expect(await exited).toBe(1);
    expect(steps).toEqual(['flush']);
  });
});
