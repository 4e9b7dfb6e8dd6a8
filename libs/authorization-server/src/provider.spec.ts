import { consentPage, signInPage } from './pages';
import { isGatewayResource, parseAccountId } from './provider';

describe('the gateway resources the authorization server issues tokens for', () => {
  const base = 'https://gatehouse.example.com';
  it.each([
    [`${base}/mcp`, true],
    [`${base}/t/acme/mcp`, true],
    [`${base}/t/acme-2/mcp`, true],
    [`${base}/mcp/alpha`, false],
    [`${base}/t/acme/mcp/alpha`, false],
    [`${base}/t/../mcp`, false],
    [`${base}/t//mcp`, false],
    ['https://gatehouse.example.com.evil.example/mcp', false],
    ['https://other.example/mcp', false],
  ])('%s → %s', (resource, expected) => {
    expect(isGatewayResource(`${base}/`, resource)).toBe(expected);
  });

  it('reads the account id as tenant and person, and nothing else', () => {
    expect(parseAccountId('t1:p1')).toEqual({ tenantId: 't1', personId: 'p1' });
    expect(parseAccountId('t1')).toBeNull();
    expect(parseAccountId('t1:p1:x')).toBeNull();
  });
});

describe('the sign-in and consent pages', () => {
  it('escape what a client registered (its name is attacker-controlled)', () => {
    const html = consentPage({
      uid: 'u1',
      clientName: '<script>alert(1)</script>',
      clientId: '"c"',
      resources: ['https://gatehouse.example.com/mcp'],
      scopes: ['mcp:call'],
      person: 'ada@example.com',
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;c&quot;');
    expect(signInPage('u1', '<b>x</b>', 'bad <i>')).not.toMatch(/<b>|<i>/);
  });
});
