import type Provider from 'oidc-provider' with { 'resolution-mode': 'import' };
import type { ResourceServerInstance } from 'oidc-provider' with { 'resolution-mode': 'import' };
import { IdJagError, JWT_BEARER_GRANT, type IdJagVerifier } from './id-jag';
import { MCP_SCOPE } from './provider';

interface JwtBearerParams {
  assertion?: string;
  scope?: string;
}

/**
 * The token endpoint's RFC 7523 JWT bearer grant for ID-JAGs: the verified assertion becomes a
 * grant for its person, client and resource, and an access token like the code flow's (same
 * format, lifetime and claims), with no consent page and no refresh token (the client asks
 * its IdP for a new ID-JAG instead, so the IdP's policy is applied again).
 */
export async function registerIdJagGrant(
  provider: Provider,
  verifier: IdJagVerifier,
  accessTokenTtlSeconds: number,
): Promise<void> {
  const { errors } = await import('oidc-provider');
  provider.registerGrantType<JwtBearerParams>(
    JWT_BEARER_GRANT,
    async (ctx) => {
      const { client, params } = ctx.oidc;
      if (!params.assertion)
        throw new errors.InvalidRequest('missing required parameter assertion');
      let accepted;
      try {
        accepted = await verifier.accept(params.assertion, client.clientId, params.scope);
      } catch (error) {
        if (error instanceof IdJagError) {
          throw new errors.CustomOIDCProviderError('invalid_grant', error.message);
        }
        throw error;
      }
      const grant = new provider.Grant({
        accountId: accepted.accountId,
        clientId: client.clientId,
      });
      grant.addResourceScope(accepted.resource, accepted.scope);
      const grantId = await grant.save();
      const resourceServer: ResourceServerInstance = {
        scope: MCP_SCOPE,
        scopes: new Set([MCP_SCOPE]),
        audience: accepted.resource,
        accessTokenTTL: accessTokenTtlSeconds,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
        identifier: () => accepted.resource,
      };
      const token = new provider.AccessToken({
        accountId: accepted.accountId,
        client,
        grantId,
        gty: 'jwt-bearer',
        scope: accepted.scope,
        resourceServer,
      });
      const value = await token.save();
      ctx.body = {
        access_token: value,
        token_type: 'Bearer',
        expires_in: token.expiration,
        scope: accepted.scope,
      };
    },
    ['assertion', 'scope'],
  );
}
