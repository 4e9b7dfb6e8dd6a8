import { AdminError } from '../common/admin-error';
import { checkUpstreamUrl, type AddressLookup } from './upstream-url-policy';

const resolvesTo =
  (...addresses: string[]): AddressLookup =>
  async () =>
    addresses;

async function codeOf(url: string, lookup: AddressLookup = resolvesTo('93.184.215.14')) {
  try {
    await checkUpstreamUrl(url, { allowPrivateNetworks: false, lookup });
    return 'accepted';
  } catch (error) {
    if (error instanceof AdminError) return error.code;
    throw error;
  }
}

describe('checkUpstreamUrl', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://10.1.2.3/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://172.16.0.1/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://192.168.1.1/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://100.64.0.1/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://127.0.0.1:8080/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://2130706433/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'], // 127.0.0.1 as one number
    ['http://0.0.0.0/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://[::1]/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://[fd00::1]/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://[fe80::1]/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['http://[::ffff:169.254.169.254]/mcp', 'UPSTREAM_URL_PRIVATE_ADDRESS'],
    ['file:///etc/passwd', 'UPSTREAM_URL_SCHEME_REFUSED'],
    ['gopher://example.com/', 'UPSTREAM_URL_SCHEME_REFUSED'],
    ['https://user:pass@example.com/mcp', 'UPSTREAM_URL_CREDENTIALS_REFUSED'],
    ['not a url', 'UPSTREAM_URL_INVALID'],
    ['https://93.184.215.14/mcp', 'accepted'],
    ['https://[2606:4700::1111]/mcp', 'accepted'],
  ])('%s → %s', async (url, expected) => {
    expect(await codeOf(url)).toBe(expected);
  });

  it('refuses a name when any of its addresses is private (all of them are checked)', async () => {
    expect(await codeOf('https://mixed.example/mcp', resolvesTo('93.184.215.14', '10.0.0.5'))).toBe(
      'UPSTREAM_URL_PRIVATE_ADDRESS',
    );
    expect(await codeOf('https://ok.example/mcp')).toBe('accepted');
  });

  it('refuses a name that does not resolve', async () => {
    const fails: AddressLookup = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await codeOf('https://nowhere.example/mcp', fails)).toBe('UPSTREAM_URL_UNRESOLVABLE');
  });

  it('resolves real names: localhost is loopback', async () => {
    await expect(
      checkUpstreamUrl('http://localhost:3000/mcp', { allowPrivateNetworks: false }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_URL_PRIVATE_ADDRESS' });
  });

  it('allows private networks only when configured, never other schemes or credentials', async () => {
    const allow = { allowPrivateNetworks: true };
    await expect(checkUpstreamUrl('http://127.0.0.1:3000/mcp', allow)).resolves.toBeInstanceOf(URL);
    await expect(checkUpstreamUrl('file:///etc/passwd', allow)).rejects.toMatchObject({
      code: 'UPSTREAM_URL_SCHEME_REFUSED',
    });
    await expect(checkUpstreamUrl('http://a:b@127.0.0.1/', allow)).rejects.toMatchObject({
      code: 'UPSTREAM_URL_CREDENTIALS_REFUSED',
    });
  });
});
