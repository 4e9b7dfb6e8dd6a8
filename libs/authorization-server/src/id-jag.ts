import type { Repositories } from '@gatehouse/data-access';
import type { RedisConnection as Redis } from '@gatehouse/session-store';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Federation } from './federation';
import { isGatewayResource, MCP_SCOPE } from './provider';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ID_JAG_TYP = 'oauth-id-jag+jwt';
const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Why an ID-JAG is refused (the token endpoint answers `invalid_grant` with it). */
export class IdJagError extends Error {}

export interface AcceptedIdJag {
  /** Our account id, `tenantId:personId`. */
  accountId: string;
  resource: string;
  scope: string;
  issuer: string;
}

/**
 * Enterprise-Managed Authorization (modelcontextprotocol/ext-auth): an Identity Assertion JWT
 * Authorization Grant that a tenant's IdP issued to an MCP client, presented with the RFC 7523
 * JWT bearer grant. Checked: `typ`, an issuer that is a tenant's IdP, its signature, `aud` =
 * our issuer, `exp` (30 s skew), `client_id` = the authenticated client, `resource` one of
 * the gateway's, `jti` never seen before (kept in Redis until it expires), and the subject an
 * active person of that tenant. No consent page: the IdP decided.
 */
export class IdJagVerifier {
  constructor(
    private readonly repos: Repositories,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly federation: Federation,
    private readonly issuer: string,
    private readonly publicUrl: string,
  ) {}

  async accept(
    assertion: string,
    clientId: string,
    requestedScope?: string,
  ): Promise<AcceptedIdJag> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw new IdJagError('the assertion is not a JWT');
    }
    const idps = (await this.repos.identityProviders.listEnabledInActiveTenants()).filter(
      (idp) => idp.issuer === unverified.iss,
    );
    const [first] = idps;
    if (!first) throw new IdJagError('the assertion is not from a tenant identity provider');
    const { payload } = await jwtVerify(
      assertion,
      await this.federation.keysOf(first.issuer, first.jwksUrl),
      {
        issuer: first.issuer,
        audience: this.issuer,
        typ: ID_JAG_TYP,
        algorithms: ASYMMETRIC,
        clockTolerance: 30,
        requiredClaims: ['exp', 'jti', 'sub', 'client_id'],
      },
    ).catch((error: unknown) => {
      throw new IdJagError(refusal(error));
    });
    if (payload['client_id'] !== clientId) {
      throw new IdJagError('the assertion was issued to another client');
    }
    const resource = payload['resource'] ?? `${this.publicUrl}/mcp`;
    if (typeof resource !== 'string' || !isGatewayResource(this.publicUrl, resource)) {
      throw new IdJagError('the assertion names a resource that is not this gateway');
    }
    const granted = typeof payload['scope'] === 'string' ? payload['scope'].split(' ') : [];
    const requested = requestedScope?.split(' ').filter(Boolean);
    const scopes = granted.filter(
      (s) => s === MCP_SCOPE && (requested === undefined || requested.includes(s)),
    );
    if (scopes.length === 0) throw new IdJagError(`the assertion does not grant ${MCP_SCOPE}`);

    const accountId = await this.personOf(idps, payload);
    // Replay: the first use of a jti wins, on any replica, until the assertion expires.
    const ttl = Math.max(60, (payload.exp ?? 0) - Math.floor(Date.now() / 1000) + 60);
    const fresh = await this.redis.set(
      `${this.prefix}oauth:id-jag-jti:${first.issuer}\n${String(payload.jti)}`,
      '1',
      'EX',
      ttl,
      'NX',
    );
    if (fresh !== 'OK') throw new IdJagError('the assertion was already used (jti replayed)');
    return { accountId, resource, scope: scopes.join(' '), issuer: first.issuer };
  }

  private async personOf(
    idps: Awaited<ReturnType<Repositories['identityProviders']['listEnabledInActiveTenants']>>,
    payload: JWTPayload,
  ): Promise<string> {
    const found: string[] = [];
    for (const idp of idps) {
      const email = payload[idp.personClaim];
      if (typeof email !== 'string' || email.length === 0) continue;
      const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
      if (idp.allowedEmailDomains.length > 0 && !idp.allowedEmailDomains.includes(domain)) continue;
      const person = await this.repos.people.findByEmail(idp.tenant.id, email);
      if (person?.status === 'active') found.push(`${idp.tenant.id}:${person.id}`);
    }
    const unique = [...new Set(found)];
    if (unique.length !== 1) {
      throw new IdJagError(
        unique.length === 0
          ? 'no active person of the tenant matches the assertion'
          : 'the assertion names people in several tenants',
      );
    }
    return unique[0] ?? '';
  }
}

function refusal(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the assertion has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'the assertion is for another audience';
    if (error.claim === 'typ') return `the assertion's typ is not ${ID_JAG_TYP}`;
    return `the assertion's ${error.claim} claim is not acceptable`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return 'the assertion is not signed with an asymmetric key';
  return 'the assertion signature does not verify';
}
