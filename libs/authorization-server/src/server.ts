import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '@gatehouse/app-kit';
import { BusChannels } from '@gatehouse/bus';
import { RedisRevokedGrantStore } from '@gatehouse/session-store';
import { Federation } from './federation';
import { IdJagVerifier } from './id-jag';
import { registerIdJagGrant } from './id-jag-grant';
import { Interactions } from './interactions';
import { createProvider, parseAccountId } from './provider';
import { loadSigningKey } from './signing-key';

export interface AuthorizationServerOptions {
  host: string;
  port: number;
}

export interface AuthorizationServerHandle {
  /** Where this replica listens (the issuer is AUTHORIZATION_SERVER_ISSUER). */
  url: string;
  issuer: string;
  close(): Promise<void>;
}

/**
 * Gatehouse's OAuth 2.1 authorization server for MCP clients, as its own HTTP server: any
 * number of replicas, all state in Redis, people and tenant IdPs read from Postgres only while
 * someone signs in or a token is issued.
 */
export async function startAuthorizationServer(
  runtime: Runtime,
  options: AuthorizationServerOptions,
): Promise<AuthorizationServerHandle> {
  const { config, redis, repos } = runtime;
  const issuer = config.AUTHORIZATION_SERVER_ISSUER;
  if (!issuer || !config.PUBLIC_URL) {
    throw new Error('the authorization server needs AUTHORIZATION_SERVER_ISSUER and PUBLIC_URL');
  }
  if (!redis) throw new Error('the authorization server keeps its state in Redis: set REDIS_URL');
  if (!config.GATEHOUSE_ENCRYPTION_KEY) {
    throw new Error('the authorization server needs GATEHOUSE_ENCRYPTION_KEY (its signing key)');
  }
  const prefix = config.REDIS_KEY_PREFIX;
  const publicUrl = config.PUBLIC_URL.replace(/\/$/, '');
  const provider = await createProvider({
    issuer,
    publicUrl,
    accessTokenTtlSeconds: config.AUTHORIZATION_SERVER_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: config.AUTHORIZATION_SERVER_REFRESH_TOKEN_TTL_SECONDS,
    signingKey: await loadSigningKey(redis, prefix, runtime.secrets),
    encryptionKey: config.GATEHOUSE_ENCRYPTION_KEY,
    redis,
    prefix,
    repos,
    allowPrivateNetworks: config.UPSTREAM_ALLOW_PRIVATE_NETWORKS,
  });
  // A grant revoked (RFC 7009 revocation of its refresh token, reuse of a rotated one): its
  // access tokens, stateless JWTs, are refused by every gateway replica from now on.
  const revokedGrants = new RedisRevokedGrantStore(redis, prefix);
  provider.on('grant.revoked', (_ctx, grantId: string) => {
    revokedGrants
      .revoke(grantId, config.AUTHORIZATION_SERVER_ACCESS_TOKEN_TTL_SECONDS + 60)
      .then(() => runtime.bus.publish(BusChannels.oauthGrantRevoked, { grantId }))
      .catch((error: unknown) =>
        runtime.logger.error({ err: error, grantId }, 'could not announce a revoked grant'),
      );
  });
  provider.on('server_error', (_ctx, error) =>
    runtime.logger.error({ err: error }, 'authorization server error'),
  );
  const federation = new Federation(repos, redis, prefix, `${issuer}/federation/callback`);
  await registerIdJagGrant(
    provider,
    new IdJagVerifier(repos, redis, prefix, federation, issuer, publicUrl),
    config.AUTHORIZATION_SERVER_ACCESS_TOKEN_TTL_SECONDS,
  );
  const interactions = new Interactions(provider, federation, publicUrl, async (accountId) => {
    const ids = parseAccountId(accountId);
    return ids ? (await repos.people.findById(ids.tenantId, ids.personId))?.email : undefined;
  });
  const oidc = provider.callback();
  const issuerPath = new URL(issuer).pathname.replace(/\/$/, '');

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz' || url.pathname === '/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    // RFC 8414 metadata: the same document as OpenID discovery.
    if (url.pathname === `/.well-known/oauth-authorization-server${issuerPath}`) {
      req.url = `${issuerPath}/.well-known/openid-configuration`;
    }
    if (await interactions.handle(req, res, url)) return;
    await oidc(req, res);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      runtime.logger.error({ err: error }, 'authorization server request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${address.port}`,
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
