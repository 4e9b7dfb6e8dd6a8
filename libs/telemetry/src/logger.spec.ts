import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines tagged with the service and a textual level', () => {
    const { lines, stream } = capture();
    createLogger('gateway', 'info', stream).info({ upstream: 'github' }, 'relayed');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      service: 'gateway',
      level: 'info',
      msg: 'relayed',
      upstream: 'github',
    });
  });

  it('redacts bearer tokens in request headers', () => {
    const { lines, stream } = capture();
    createLogger('gateway', 'info', stream).info(
      { req: { headers: { authorization: 'Bearer gth_secret' } } },
      'request',
    );
    expect(lines[0]).not.toContain('gth_secret');
    expect(lines[0]).toContain('[redacted]');
  });
});
