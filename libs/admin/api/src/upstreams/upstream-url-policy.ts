import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { AdminError } from '../common/admin-error';

export type AddressLookup = (hostname: string) => Promise<string[]>;

const systemLookup: AddressLookup = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * SSRF guard for upstream URLs: http(s) only, no credentials in the URL, and (unless private
 * networks are allowed) every address the host resolves to must be public unicast. That refuses
 * loopback, RFC 1918, carrier-grade NAT, link-local (169.254.169.254, the cloud metadata
 * service), unique-local fc00::/7, unspecified, multicast, reserved and IPv4-in-IPv6 forms.
 * Ranges come from ipaddr.js rather than hand-written masks.
 */
export async function checkUpstreamUrl(
  raw: string,
  options: { allowPrivateNetworks: boolean; lookup?: AddressLookup },
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('UPSTREAM_URL_INVALID', raw, 'is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(
      'UPSTREAM_URL_SCHEME_REFUSED',
      raw,
      `uses ${url.protocol}: only http and https are allowed`,
    );
  }
  if (url.username || url.password) {
    throw refused(
      'UPSTREAM_URL_CREDENTIALS_REFUSED',
      url.host,
      'carries credentials: put them in the upstream\'s "credentials" instead',
    );
  }
  if (options.allowPrivateNetworks) return url;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = ipaddr.isValid(host)
    ? [host]
    : await resolve(host, options.lookup ?? systemLookup);
  for (const address of addresses) {
    const range = rangeOf(address);
    if (range !== 'unicast') {
      throw refused(
        'UPSTREAM_URL_PRIVATE_ADDRESS',
        url.host,
        `resolves to ${address} (${range}); private networks are refused unless UPSTREAM_ALLOW_PRIVATE_NETWORKS=true`,
        { address, range },
      );
    }
  }
  return url;
}

/** ipaddr.js range name; IPv4-mapped IPv6 addresses are judged as the IPv4 they carry. */
function rangeOf(address: string): string {
  try {
    return ipaddr.process(address).range();
  } catch {
    return 'invalid';
  }
}

async function resolve(host: string, lookupHost: AddressLookup): Promise<string[]> {
  let addresses: string[] = [];
  try {
    addresses = await lookupHost(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) {
    throw refused('UPSTREAM_URL_UNRESOLVABLE', host, 'does not resolve to any address');
  }
  return addresses;
}

function refused(
  code:
    | 'UPSTREAM_URL_INVALID'
    | 'UPSTREAM_URL_SCHEME_REFUSED'
    | 'UPSTREAM_URL_CREDENTIALS_REFUSED'
    | 'UPSTREAM_URL_PRIVATE_ADDRESS'
    | 'UPSTREAM_URL_UNRESOLVABLE',
  subject: string,
  why: string,
  extra: Record<string, unknown> = {},
): AdminError {
  return new AdminError(code, `Upstream URL refused: ${subject} ${why}.`, {
    field: 'url',
    ...extra,
  });
}
