import { AuthError, ROLES, type Identity, type Role } from '@gatehouse/auth';
import type { PersonRepository } from '@gatehouse/data-access';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** When absent, discovered from `${issuer}/.well-known/openid-configuration`. */
  jwksUrl?: string;
  /** JWT claim holding the person's email. */
  personClaim: string;
}

/** Asymmetric algorithms only: a JWKS never legitimately carries an HMAC key for us. */
const ALGORITHMS = [
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

/**
 * OIDC identities carry no Gatehouse token, hence no scopes of their own: what they may do is
 * decided by the person's roles alone.
 */
const OIDC_SCOPES = ['admin:*'];

const Discovery = z.object({ issuer: z.string(), jwks_uri: z.url() });

/**
 * Verifies OIDC JWTs (signature from the issuer's JWKS, `iss`, `aud`, `exp`) and maps them to a
 * person by the configured claim. An email present in several tenants is ambiguous unless the
 * route names one of them (`tenantHint`).
 */
export class OidcVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(
    private readonly settings: OidcSettings,
    private readonly people: PersonRepository,
  ) {}

  async resolve(jwt: string, tenantHint: string | undefined): Promise<Identity> {
    const payload = await this.verify(jwt);
    const claim: unknown = payload[this.settings.personClaim];
    if (typeof claim !== 'string' || claim.length === 0) {
      throw new AuthError('invalid_jwt', `the JWT has no "${this.settings.personClaim}" claim`);
    }
    const matches = await this.people.findActiveByEmailInAnyTenant(claim);
    const hinted = tenantHint?.toLowerCase();
    const chosen =
      matches.length === 1
        ? matches[0]
        : matches.find((m) => m.tenant.id === hinted || m.tenant.slug === hinted);
    if (!chosen) {
      throw new AuthError(
        'unknown_person',
        matches.length === 0
          ? 'no active person matches the JWT'
          : 'the JWT matches people in several tenants: call a route under /tenants/:t',
      );
    }
    return {
      tenantId: chosen.tenant.id,
      tenantSlug: chosen.tenant.slug,
      personId: chosen.id,
      email: chosen.email,
      roles: chosen.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
      tokenId: null,
      scopes: OIDC_SCOPES,
      via: 'oidc',
    };
  }

  private async verify(jwt: string): Promise<Record<string, unknown>> {
    try {
      const { payload } = await jwtVerify(jwt, await this.jwks(), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) {
        const reason =
          error instanceof joseErrors.JWTExpired ? 'the JWT has expired' : error.message;
        throw new AuthError('invalid_jwt', reason);
      }
      throw error;
    }
  }

  private jwks(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.locateJwks().then(
      (url) => createRemoteJWKSet(new URL(url)),
      (error: unknown) => {
        this.keys = undefined; // try discovery again on the next request
        throw error;
      },
    );
    return this.keys;
  }

  private async locateJwks(): Promise<string> {
    if (this.settings.jwksUrl) return this.settings.jwksUrl;
    const url = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`OIDC discovery at ${url} answered ${response.status}`);
    return Discovery.parse(await response.json()).jwks_uri;
  }
}
