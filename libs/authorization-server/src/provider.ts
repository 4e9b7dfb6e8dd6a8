import { createHmac } from 'node:crypto';
import type { Repositories } from '@gatehouse/data-access';
import type { RedisConnection as Redis } from '@gatehouse/session-store';
import type Provider from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { Configuration, ResourceServer } from 'oidc-provider' with {
  'resolution-mode': 'import',
};
import { RedisAdapter } from './redis-adapter';
import type { SigningJwk } from './signing-key';

export interface ProviderSettings {
  /** Our issuer, as MCP clients reach it. */
  issuer: string;
  /** The gateway's PUBLIC_URL: its resources are `/mcp` and `/t/<tenant>/mcp`. */
  publicUrl: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  signingKey: SigningJwk;
  /** Base64 installation key; the cookie-signing key is derived from it. */
  encryptionKey: string;
  redis: Redis;
  prefix: string;
  repos: Repositories;
  /** UPSTREAM_ALLOW_PRIVATE_NETWORKS: Client ID Metadata Documents may be on loopback (tests). */
  allowPrivateNetworks: boolean;
}

/** The one scope an MCP client is given on the gateway (as in the resource metadata). */
export const MCP_SCOPE = 'mcp:call';

/** Our account id: tenant and person, so that the token names both. */
export function parseAccountId(accountId: string): { tenantId: string; personId: string } | null {
  const [tenantId, personId, extra] = accountId.split(':');
  return tenantId && personId && extra === undefined ? { tenantId, personId } : null;
}

/** Whether `resource` is one of the gateway's: `PUBLIC_URL/mcp` or `PUBLIC_URL/t/<tenant>/mcp`. */
export function isGatewayResource(publicUrl: string, resource: string): boolean {
  const base = publicUrl.replace(/\/$/, '');
  if (resource === `${base}/mcp`) return true;
  if (!resource.startsWith(`${base}/t/`)) return false;
  return /^[a-z0-9-]+\/mcp$/i.test(resource.slice(base.length + 3));
}

/**
 * oidc-provider configured as the MCP clients' authorization server: authorization code with
 * PKCE (S256), dynamic registration of public clients, resource indicators limited to the
 * gateway's resources, JWT access tokens for them (signed with the shared key, naming person,
 * tenant and client), rotating refresh tokens, revocation; every piece of state in Redis.
 * oidc-provider is ESM-only: a real dynamic import loads it from our CommonJS build.
 */
export async function createProvider(settings: ProviderSettings): Promise<Provider> {
  const { default: OidcProvider } = await import('oidc-provider');
  const { repos, publicUrl } = settings;
  const personOf = async (accountId: string) => {
    const ids = parseAccountId(accountId);
    if (!ids) return null;
    const [person, tenant] = await Promise.all([
      repos.people.findById(ids.tenantId, ids.personId),
      repos.tenants.findByIdOrSlug(ids.tenantId),
    ]);
    return person && tenant && person.status === 'active' && tenant.status === 'active'
      ? { ...ids, email: person.email }
      : null;
  };
  const resourceServer: ResourceServer = {
    scope: MCP_SCOPE,
    accessTokenTTL: settings.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
  const configuration: Configuration = {
    adapter: (model: string) => new RedisAdapter(model, settings.redis, settings.prefix),
    jwks: { keys: [settings.signingKey] },
    cookies: {
      keys: [
        createHmac('sha256', Buffer.from(settings.encryptionKey, 'base64'))
          .update('gatehouse authorization-server cookies')
          .digest('base64'),
      ],
    },
    scopes: ['openid', 'offline_access', MCP_SCOPE],
    discovery: {
      authorization_grant_profiles_supported: ['urn:ietf:params:oauth:grant-profile:id-jag'],
    },
    claims: { openid: ['sub'], email: ['email'] },
    // Looked up only when a token is issued or refreshed, never per gateway call: a person
    // disabled or removed since gets no new token.
    findAccount: async (_ctx, sub) => {
      const person = await personOf(sub);
      return person ? { accountId: sub, claims: () => ({ sub, email: person.email }) } : undefined;
    },
    extraTokenClaims: async (_ctx, token) => {
      if (!('accountId' in token)) return undefined;
      const person = await personOf(token.accountId);
      if (!person) return undefined;
      // grant_id: the gateway refuses the token once its grant is revoked.
      return { email: person.email, tenant_id: person.tenantId, grant_id: token.grantId };
    },
    pkce: { required: () => true },
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: settings.refreshTokenTtlSeconds,
      RefreshToken: settings.refreshTokenTtlSeconds,
    },
    // Client ID Metadata Documents: https only (oidc-provider refuses anything else), fetched
    // through oidc-provider's connect-time guard, which refuses loopback, private, link-local
    // and other special-use addresses whatever a name resolves to (as the upstream guard does);
    // only UPSTREAM_ALLOW_PRIVATE_NETWORKS (tests, labs) lifts it.
    fetch: (url, options) => {
      if (settings.allowPrivateNetworks && options) {
        delete (options as { dispatcher?: unknown }).dispatcher;
      }
      return globalThis.fetch(url, options);
    },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientIdMetadataDocument: { enabled: true, ack: 'draft-02' },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => `${publicUrl.replace(/\/$/, '')}/mcp`,
        useGrantedResource: () => true,
        getResourceServerInfo: async (_ctx, resource) => {
          if (!isGatewayResource(publicUrl, resource)) {
            const { errors } = await import('oidc-provider');
            throw new errors.InvalidTarget('only the gateway’s resources are served here');
          }
          return { ...resourceServer, audience: resource };
        },
      },
    },
  };
  const provider = new OidcProvider(settings.issuer, configuration);
  provider.proxy = true;
  return provider;
}
