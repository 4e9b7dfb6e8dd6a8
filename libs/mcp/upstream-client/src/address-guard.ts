import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

/** ipaddr.js range name; IPv4-mapped IPv6 addresses are judged as the IPv4 they carry. */
function rangeOf(address: string): string {
  try {
    return ipaddr.process(address).range();
  } catch {
    return 'invalid';
  }
}

export class PrivateAddressError extends Error {
  readonly code = 'UPSTREAM_PRIVATE_ADDRESS';
  constructor(hostname: string, address: string, range: string) {
    super(
      `${hostname} resolved to ${address} (${range}) when connecting; private networks are refused unless UPSTREAM_ALLOW_PRIVATE_NETWORKS=true`,
    );
    this.name = 'PrivateAddressError';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for sockets to upstreams that refuses a host resolving to anything but public
 * unicast addresses. The admin API checks an upstream's URL when it is saved; this repeats the
 * check on every new connection, so a name that resolved to a public address then is not
 * turned into one for 169.254.169.254 or an internal service later (DNS rebinding). IP
 * literals do not go through lookup: they cannot change, and were checked when saved.
 */
export function publicAddressLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    for (const { address } of addresses) {
      const range = rangeOf(address);
      if (range !== 'unicast')
        return callback(new PrivateAddressError(hostname, address, range), []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(
        Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }),
        [],
      );
    callback(null, first.address, first.family);
  });
}
