import { OriginRules, isLoopbackHostname, type OriginSettings } from './origin-rules';

const PUBLIC: OriginSettings = {
  publicOrigin: 'https://mcp.example.com',
  allowedOrigins: ['https://app.example.com'],
  allowedHosts: ['mcp.internal:8080'],
  loopbackBound: false,
};
const LOOPBACK: OriginSettings = {
  publicOrigin: 'http://127.0.0.1:3000',
  allowedOrigins: [],
  allowedHosts: [],
  loopbackBound: true,
};

describe('OriginRules', () => {
  it('accepts the gateway its own origin and host (the conformance dns-rebinding case)', () => {
    const rules = new OriginRules(LOOPBACK);
    expect(rules.check({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' }).ok).toBe(true);
    expect(rules.check({ origin: 'http://localhost:3000', host: 'localhost:3000' }).ok).toBe(true);
    expect(rules.check({ origin: 'http://[::1]:3000', host: '[::1]:3000' }).ok).toBe(true);
  });

  it('rejects the rebinding attack: a foreign Host and Origin resolved to loopback', () => {
    const rules = new OriginRules(LOOPBACK);
    expect(rules.check({ origin: 'http://evil.example.com', host: 'evil.example.com' })).toEqual({
      ok: false,
      reason: 'host',
      host: 'evil.example.com',
    });
    // Same-origin GET after rebinding: no Origin, but the browser sends Sec-Fetch-* headers.
    expect(rules.check({ host: 'evil.example.com:3000', fetchMetadata: true }).ok).toBe(false);
  });

  it('rejects a foreign Origin even when the Host is the gateway its own', () => {
    const rules = new OriginRules(LOOPBACK);
    expect(rules.check({ origin: 'http://evil.example.com', host: '127.0.0.1:3000' })).toEqual({
      ok: false,
      reason: 'origin',
      origin: 'http://evil.example.com',
    });
  });

  it('accepts loopback origins only when the gateway is bound to loopback', () => {
    const rules = new OriginRules(PUBLIC);
    expect(rules.check({ origin: 'http://localhost:5173', host: 'localhost:5173' }).ok).toBe(false);
    expect(rules.check({ origin: 'http://localhost:5173', host: 'mcp.example.com' }).ok).toBe(
      false,
    );
  });

  it('accepts the PUBLIC_URL origin, configured origins and configured hosts', () => {
    const rules = new OriginRules(PUBLIC);
    expect(rules.check({ origin: 'https://mcp.example.com', host: 'mcp.example.com' }).ok).toBe(
      true,
    );
    expect(rules.check({ origin: 'HTTPS://App.Example.com:443', host: 'MCP.example.com' }).ok).toBe(
      true,
    );
    expect(rules.check({ origin: 'https://app.example.com', host: 'mcp.internal:8080' }).ok).toBe(
      true,
    );
    expect(rules.check({ origin: 'https://app.example.com', host: 'mcp.internal:9090' }).ok).toBe(
      false,
    );
  });

  it('does not check requests without browser headers (SDK clients, curl)', () => {
    const rules = new OriginRules(PUBLIC);
    expect(rules.check({ host: 'anything.example' }).ok).toBe(true);
  });

  describe('a fuzzed set of Origin/Host pairs', () => {
    const own = ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', '127.0.0.1', 'LOCALHOST:3000'];
    const foreign = [
      'evil.example.com',
      'evil.example.com:3000',
      '127.0.0.1.evil.example',
      'localhost.evil.example:3000',
      '127.0.0.1@evil.example',
      '[::2]:3000',
      '0.0.0.0:3000',
      '10.0.0.1:3000',
      '',
      ' ',
      'mcp.example.com.evil.example',
    ];
    const originForms = (host: string) => [
      `http://${host}`,
      `https://${host}`,
      `HTTP://${host}`,
      `http://${host}/`,
      `http://${host}#x`,
      `http://user@${host}`,
    ];
    const weird = ['null', '*', 'file://', 'http://', 'javascript:alert(1)', 'http://a b', '%00'];
    const rules = new OriginRules(LOOPBACK);
    const publicRules = new OriginRules(PUBLIC);

    it('never accepts a browser request for a foreign Host, whatever the Origin', () => {
      for (const host of foreign) {
        for (const origin of [...own.flatMap(originForms), ...foreign.flatMap(originForms)]) {
          expect({ origin, host, ok: rules.check({ origin, host }).ok }).toEqual({
            origin,
            host,
            ok: false,
          });
        }
        expect(rules.check({ host, fetchMetadata: true }).ok).toBe(false);
      }
    });

    it('never accepts a foreign or malformed Origin, whatever the Host', () => {
      for (const host of [...own, ...foreign]) {
        for (const origin of [...foreign.flatMap(originForms), ...weird]) {
          expect({ origin, host, ok: rules.check({ origin, host }).ok }).toEqual({
            origin,
            host,
            ok: false,
          });
          expect(publicRules.check({ origin, host }).ok).toBe(false);
        }
      }
    });

    it('always accepts a loopback Origin for a loopback Host on a loopback-bound gateway', () => {
      for (const host of own) {
        for (const originHost of own) {
          for (const origin of [`http://${originHost}`, `https://${originHost}`]) {
            expect({ origin, host, ok: rules.check({ origin, host }).ok }).toEqual({
              origin,
              host,
              ok: true,
            });
          }
        }
      }
    });
  });
});

describe('isLoopbackHostname', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['[::1]', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['localhost.evil', false],
    ['128.0.0.1', false],
  ])('%s → %s', (name, expected) => {
    expect(isLoopbackHostname(name)).toBe(expected);
  });
});
