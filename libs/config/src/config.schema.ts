import { isIP } from 'node:net';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

/** One address or CIDR range of a trusted proxy (IPv4 or IPv6). */
function isAddressOrRange(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may set X-Forwarded-For: `false` (none: the client address is the TCP peer),
 * `true` (any: only behind a proxy that overwrites the header), a hop count, or the proxies'
 * addresses and CIDR ranges.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): boolean | number | string[] => {
    const lower = value.toLowerCase();
    if (lower === '' || lower === 'false') return false;
    if (lower === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const bad = entries.filter((entry) => !isAddressOrRange(entry));
    if (bad.length > 0 || entries.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected false, true, a hop count or comma-separated IP addresses/CIDR ranges; not valid: ${bad.join(', ') || value}`,
      });
      return z.NEVER;
    }
    return entries;
  });

/** Comma-separated host:port list (Redis Cluster seeds, Sentinels). */
const hostPortList = csv.superRefine((entries, ctx) => {
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one host:port' });
  const bad = entries.filter(
    (entry) => !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(entry),
  );
  if (bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected host:port entries, got ${bad.join(', ')}` });
  }
});

const redisUrl = z
  .string()
  .url()
  .refine((u) => /^rediss?:\/\//.test(u), 'must start with redis:// or rediss://');
const postgresUrl = z
  .string()
  .url()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must start with postgres:// or postgresql://');

/**
 * Every environment variable Gatehouse reads, in one place. Each entry's description is the
 * documentation: the README's configuration table is generated from it (`npm run docs:config`).
 */
export const configSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('development')
    .describe('Runtime environment; `production` turns off pretty defaults.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  HOST: z
    .string()
    .min(1)
    .default('0.0.0.0')
    .describe('Interface the HTTP servers bind to. The embedded `npm start` binds 127.0.0.1.'),
  PORT: port
    .optional()
    .describe('Port of the app being started; overrides the app-specific port below.'),
  GATEWAY_PORT: port.default(8080).describe('MCP gateway port (`/mcp`).'),
  ADMIN_API_PORT: port.default(8081).describe('Admin API port (`/api/v1`, `/api/docs`).'),
  AUDIT_SERVICE_PORT: port.default(8082).describe('Audit-service health port.'),
  PUBLIC_URL: z
    .string()
    .url()
    .optional()
    .describe(
      'External base URL of the gateway (for OAuth protected-resource metadata). Default: http://HOST:GATEWAY_PORT.',
    ),
  REDIS_URL: redisUrl
    .optional()
    .describe(
      'Redis for sessions, event logs, pub/sub and the audit stream. Required except embedded.',
    ),
  LIMITS_REDIS_URL: redisUrl
    .optional()
    .describe(
      'Redis for the rate-limit, concurrency and quota counters (default: REDIS_URL). A separate one keeps limiter load and outages apart from sessions; each tenant chooses in its limits whether calls go on (fail open) or are refused while it does not answer.',
    ),
  REDIS_CLUSTER_NODES: hostPortList
    .optional()
    .describe(
      'Redis Cluster seed nodes, comma-separated host:port (instead of REDIS_URL; served by ioredis Cluster).',
    ),
  REDIS_SENTINELS: hostPortList
    .optional()
    .describe(
      'Redis Sentinels, comma-separated host:port (instead of REDIS_URL; needs REDIS_SENTINEL_MASTER).',
    ),
  REDIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .optional()
    .describe('Name of the master the Sentinels monitor (with REDIS_SENTINELS).'),
  REDIS_USERNAME: z
    .string()
    .min(1)
    .optional()
    .describe('Redis ACL user for cluster and Sentinel topologies (REDIS_URL carries its own).'),
  REDIS_PASSWORD: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Redis AUTH password for cluster and Sentinel topologies (REDIS_URL carries its own).',
    ),
  REDIS_TLS: bool
    .default(false)
    .describe(
      'TLS to Redis for cluster and Sentinel topologies (a rediss:// REDIS_URL implies it).',
    ),
  REDIS_TLS_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('PEM file of the CA that signed the Redis server certificates (implies TLS).'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*$/, 'letters, digits, ":", "_" and "-" only')
    .default('gh:')
    .describe('Prefix of every Redis key (lets several installations share one Redis).'),
  DATABASE_URL: postgresUrl
    .optional()
    .describe('Postgres connection string. Required except embedded.'),
  GATEHOUSE_DATA_DIR: z
    .string()
    .min(1)
    .default('.gatehouse/data')
    .describe('Embedded mode: directory of the PGlite database.'),
  GATEHOUSE_ENCRYPTION_KEY: z
    .string()
    .refine(
      (v) => Buffer.from(v, 'base64').length === 32,
      'must be 32 bytes, base64-encoded (generate one with `openssl rand -base64 32`)',
    )
    .optional()
    .describe(
      'Key (32 bytes, base64) that encrypts upstream credentials at rest. Required in production.',
    ),
  GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN: z
    .string()
    .regex(/^gth_[A-Za-z0-9]{40,60}$/, 'must be a gth_ token (see docs/tokens.md)')
    .optional()
    .describe('Platform-admin token to create on first start instead of printing a new one.'),
  TRUST_PROXY: trustProxy
    .default(false)
    .describe(
      'Which peers may set X-Forwarded-For (the client address in audit events and rate limits): false (none), true (any; only behind a proxy that overwrites the header), a hop count, or comma-separated proxy IPs/CIDR ranges.',
    ),
  ALLOWED_ORIGINS: csv
    .default([])
    .describe(
      'Comma-separated browser Origins allowed to call /mcp besides the PUBLIC_URL origin (and, when HOST is loopback, loopback origins). A browser request with any other Origin gets 403.',
    ),
  ALLOWED_HOSTS: csv
    .default([])
    .describe(
      'Comma-separated Host names (host or host:port) browsers may address /mcp by besides the PUBLIC_URL host (and, when HOST is loopback, loopback names). A browser request (Origin or Sec-Fetch-* headers) for any other Host gets 403: DNS-rebinding protection.',
    ),
  SESSION_IDLE_TTL_SECONDS: positiveInt
    .default(3600)
    .describe('An MCP session unused this long expires.'),
  SESSION_CACHE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(2_000)
    .describe(
      'Gateway: how long a replica serves a session from memory before reading Redis again (changes are announced to every replica at once; this bounds staleness if an announcement is lost). 0 reads Redis on every request.',
    ),
  CONFIG_SNAPSHOT_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(900_000)
    .describe(
      'Gateway: when Postgres does not answer, a replica serves tokens, people, upstreams, policies, tool pins and limits from the snapshot in Redis (docs/reliability.md) if it was taken at most this long ago; past it, calls needing config get 503. 0 turns the fallback off.',
    ),
  CONFIG_SNAPSHOT_REFRESH_MS: positiveInt
    .default(60_000)
    .describe(
      "Gateway: how often a tenant's Redis config snapshot is rewritten from Postgres even without a change (changes rewrite it at once); keep it well under CONFIG_SNAPSHOT_MAX_AGE_MS.",
    ),
  SESSION_EVENT_LOG_MAX: positiveInt
    .default(1000)
    .describe(
      'SSE events kept per session for resumption with Last-Event-ID (oldest dropped first).',
    ),
  SESSION_EVENT_LOG_MAX_BYTES: positiveInt
    .default(32 * 1024 * 1024)
    .describe(
      'Bytes of SSE events (their JSON messages) kept per session for resumption, in Redis or in memory: past it the oldest are dropped, except the newest event, which is kept however large.',
    ),
  MCP_MAX_BODY_BYTES: positiveInt
    .default(4 * 1024 * 1024)
    .describe('Largest accepted request body.'),
  HTTP_REQUEST_TIMEOUT_MS: positiveInt
    .default(30_000)
    .describe(
      'How long a client may take to send a whole request, headers and body; a slower one gets 408 and is disconnected (slow-loris guard). Responses, SSE streams included, are not limited by it.',
    ),
  SSE_WRITE_STALL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60_000)
    .describe(
      "Gateway: how long an SSE stream may wait for its client to take more data (the socket does not drain) before the gateway closes the connection; the events stay in the session's event log, so the client can resume with Last-Event-ID. 0 never closes a stalled stream.",
    ),
  UPSTREAM_TIMEOUT_MS: positiveInt
    .default(60_000)
    .describe('How long an upstream request may take before the client gets a timeout error.'),
  UPSTREAM_MAX_RESPONSE_BYTES: positiveInt
    .default(16 * 1024 * 1024)
    .describe(
      'Largest upstream answer accepted: a whole JSON body, or one SSE event. A bigger one is refused once the limit is passed (never buffered whole) and the client gets upstream_response_too_large.',
    ),
  UPSTREAM_ALLOW_PRIVATE_NETWORKS: bool
    .default(false)
    .describe(
      'Allow upstream URLs on loopback, private and link-local addresses (SSRF guard off). When false, the admin API refuses such URLs and the gateway refuses to connect when a host name resolves to such an address (DNS rebinding).',
    ),
  APPROVAL_TIMEOUT_SECONDS: positiveInt
    .default(600)
    .describe('How long a call waiting for human approval is held.'),
  AUDIT_STREAM_MAXLEN: positiveInt
    .default(1_000_000)
    .describe('Approximate cap of the audit Redis Stream (acknowledged entries only are trimmed).'),
  AUDIT_BATCH_SIZE: positiveInt.default(500).describe('Audit-service: events per Postgres batch.'),
  AUDIT_BATCH_MAX_WAIT_MS: positiveInt
    .default(200)
    .describe('Audit-service: longest wait before a partial batch is written.'),
  REPLICA_HEARTBEAT_MS: positiveInt
    .default(1_000)
    .describe(
      'How often a gateway replica renews its liveness key and looks for in-flight calls of dead replicas.',
    ),
  REPLICA_DEAD_AFTER_MS: positiveInt
    .default(5_000)
    .describe(
      'A replica silent this long is dead: another replica finishes its in-flight calls (keep it several heartbeats).',
    ),
  SHUTDOWN_GRACE_MS: positiveInt
    .default(10_000)
    .describe('On SIGTERM, how long in-flight requests may finish before the process exits.'),
  OIDC_ISSUER: z
    .string()
    .url()
    .optional()
    .describe(
      "The organisation's identity provider: its JWT access tokens are accepted on /mcp when issued for PUBLIC_URL/mcp, and on the admin API when issued for OIDC_AUDIENCE (docs/identity.md).",
    ),
  OIDC_AUDIENCE: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The admin API's own `aud` for JWTs (never the gateway's PUBLIC_URL/mcp); unset: the admin API takes gth_ tokens only.",
    ),
  OIDC_JWKS_URL: z
    .string()
    .url()
    .optional()
    .describe('JWKS URL of the issuer (default: discovered from the issuer).'),
  AUTHORIZATION_SERVER_ISSUER: z
    .string()
    .url()
    .refine((u) => !u.endsWith('/'), 'no trailing slash')
    .optional()
    .describe(
      "Gatehouse's own OAuth authorization server for MCP clients (apps/authorization-server): its issuer URL as clients reach it. Point OIDC_ISSUER at it so the gateway accepts its tokens (docs/identity.md).",
    ),
  AUTHORIZATION_SERVER_PORT: port
    .default(8083)
    .describe('Port of the authorization server (apps/authorization-server).'),
  AUTHORIZATION_SERVER_ACCESS_TOKEN_TTL_SECONDS: positiveInt
    .max(3600)
    .default(300)
    .describe(
      'Lifetime of the access tokens the authorization server issues (short: they are not revocable one by one).',
    ),
  AUTHORIZATION_SERVER_REFRESH_TOKEN_TTL_SECONDS: positiveInt
    .default(1_209_600)
    .describe('Lifetime of its refresh tokens and grants (rotated at every use).'),
  OIDC_PERSON_CLAIM: z
    .string()
    .min(1)
    .default('email')
    .describe("JWT claim matched against a person's email."),
});

export type GatehouseConfig = z.infer<typeof configSchema>;
