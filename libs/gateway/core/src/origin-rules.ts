import { isIP } from 'node:net';

/** Which browser origins and Host names the gateway answers (DNS-rebinding protection). */
export interface OriginSettings {
  /** Origin of PUBLIC_URL (`https://mcp.example.com`): the gateway's own origin. */
  publicOrigin: string;
  /** ALLOWED_ORIGINS: further browser origins that may call /mcp. */
  allowedOrigins: string[];
  /** ALLOWED_HOSTS: further Host names (`host` or `host:port`) browsers may address. */
  allowedHosts: string[];
  /** The gateway listens on a loopback address only (127.0.0.1, ::1, localhost). */
  loopbackBound: boolean;
}

export type OriginVerdict =
  | { ok: true }
  | { ok: false; reason: 'origin'; origin: string }
  | { ok: false; reason: 'host'; host: string };

export interface OriginRequestHeaders {
  origin?: string | undefined;
  host?: string | undefined;
  /** Sec-Fetch-Site / Sec-Fetch-Mode: only browsers send them. */
  fetchMetadata?: boolean;
}

/**
 * The rule of the MCP transport spec: reject foreign origins (DNS rebinding), never the
 * server's own. A browser request (one with an Origin or Sec-Fetch-* headers) must address one
 * of the gateway's hosts, and its Origin must be the gateway's own (PUBLIC_URL), a configured
 * one, or, when the gateway listens on loopback only, a loopback origin addressing a loopback
 * Host. Requests without browser headers (SDK clients, curl) are not checked here: a page in a
 * browser cannot send them.
 */
export class OriginRules {
  private readonly origins: Set<string>;
  private readonly hosts: Set<string>;

  constructor(private readonly settings: OriginSettings) {
    this.origins = new Set(
      [settings.publicOrigin, ...settings.allowedOrigins].map((o) => normalizeOrigin(o) ?? o),
    );
    const publicHost = hostOf(settings.publicOrigin);
    this.hosts = new Set(
      [...(publicHost ? [publicHost] : []), ...settings.allowedHosts].map(normalizeHost),
    );
  }

  check(request: OriginRequestHeaders): OriginVerdict {
    const origin = request.origin;
    if (origin === undefined && !request.fetchMetadata) return { ok: true };
    const host = normalizeHost(request.host ?? '');
    const hostIsLoopback = isLoopbackHostname(hostnameOf(host));
    if (!this.hostAllowed(host, hostIsLoopback)) return { ok: false, reason: 'host', host };
    if (origin === undefined) return { ok: true };
    const normalized = normalizeOrigin(origin);
    if (normalized !== undefined && this.origins.has(normalized)) return { ok: true };
    if (
      normalized !== undefined &&
      this.settings.loopbackBound &&
      hostIsLoopback &&
      isLoopbackHostname(new URL(normalized).hostname)
    ) {
      return { ok: true };
    }
    return { ok: false, reason: 'origin', origin };
  }

  private hostAllowed(host: string, hostIsLoopback: boolean): boolean {
    if (host === '') return false;
    if (this.hosts.has(host) || this.hosts.has(hostnameOf(host))) return true;
    return this.settings.loopbackBound && hostIsLoopback;
  }
}

/** `scheme://host[:port]` in lower case with the default port dropped; undefined if not one. */
export function normalizeOrigin(origin: string): string | undefined {
  if (!/^https?:\/\/[^/?#\s]+$/i.test(origin)) return undefined;
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function normalizeHost(host: string): string {
  return host.trim().toLowerCase();
}

/** The host name of a Host header value (`[::1]:8080` → `[::1]`, `a.example:80` → `a.example`). */
function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function isLoopbackHostname(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}
