import { createHash, randomBytes } from 'node:crypto';
import type { Repositories } from '@gatehouse/data-access';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { RedisConnection as Redis } from '@gatehouse/session-store';
import { z } from 'zod';
import { resolveSecretRef } from './secret-ref';

/** A tenant IdP that Gatehouse can sign people in with (it has Gatehouse's client there). */
export interface FederatedIdp {
  id: string;
  tenantId: string;
  tenantSlug: string;
  issuer: string;
  clientId: string;
  clientSecretRef: string | null;
  personClaim: string;
  allowedEmailDomains: string[];
}

/** Where a federated sign-in is, between the redirect to the IdP and its callback. */
const Pending = z.object({
  uid: z.string(),
  idpId: z.string(),
  tenantId: z.string(),
  verifier: z.string(),
  nonce: z.string(),
});
type Pending = z.infer<typeof Pending>;

const IdpMetadata = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  userinfo_endpoint: z.string().url().optional(),
});
type IdpMetadata = z.infer<typeof IdpMetadata>;

const TokenResponse = z.object({ id_token: z.string(), access_token: z.string().optional() });

export class FederationError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PENDING_TTL_SECONDS = 600;

/**
 * Gatehouse as an OpenID relying party of the tenants' IdPs: the authorization code flow with
 * PKCE and a nonce, with the client id and secret each tenant registered for Gatehouse there.
 * The state lives in Redis, so the callback may reach any replica.
 */
export class Federation {
  private readonly metadata = new Map<string, Promise<IdpMetadata>>();
  private readonly jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(
    private readonly repos: Repositories,
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Our redirect URI at the IdPs. */
    readonly callbackUrl: string,
  ) {}

  /** The IdP that signs in people of this email's domain (of one tenant, when it is known). */
  async idpFor(email: string, tenant: string | undefined): Promise<FederatedIdp | undefined> {
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    const all = await this.repos.identityProviders.listEnabledInActiveTenants();
    const usable = all.flatMap((idp): FederatedIdp[] =>
      idp.clientId
        ? [{ ...idp, clientId: idp.clientId, tenantId: idp.tenant.id, tenantSlug: idp.tenant.slug }]
        : [],
    );
    const wanted = tenant?.toLowerCase();
    return usable.find(
      (idp) =>
        (wanted === undefined || idp.tenantId === wanted || idp.tenantSlug === wanted) &&
        (idp.allowedEmailDomains.length === 0
          ? wanted !== undefined
          : idp.allowedEmailDomains.includes(domain)),
    );
  }

  /** The IdP's authorization URL for this interaction; the pending state goes to Redis. */
  async start(uid: string, idp: FederatedIdp, loginHint: string): Promise<string> {
    const meta = await this.metadataOf(idp.issuer);
    const state = randomBytes(24).toString('base64url');
    const pending: Pending = {
      uid,
      idpId: idp.id,
      tenantId: idp.tenantId,
      verifier: randomBytes(32).toString('base64url'),
      nonce: randomBytes(16).toString('base64url'),
    };
    await this.redis.set(this.stateKey(state), JSON.stringify(pending), 'EX', PENDING_TTL_SECONDS);
    const url = new URL(meta.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: idp.clientId,
      redirect_uri: this.callbackUrl,
      response_type: 'code',
      scope: 'openid email',
      state,
      nonce: pending.nonce,
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
      login_hint: loginHint,
    }).toString();
    return url.href;
  }

  /** The interaction a callback's state belongs to (the state stays until `finish`). */
  async interactionOf(state: string): Promise<string | undefined> {
    return (await this.pending(state))?.uid;
  }

  /**
   * Exchanges the code, verifies the ID token, and returns the person of the tenant it names
   * (as `tenantId:personId`, our account id).
   */
  async finish(uid: string, state: string, code: string): Promise<string> {
    const pending = await this.pending(state);
    await this.redis.del(this.stateKey(state));
    if (!pending || pending.uid !== uid) {
      throw new FederationError('invalid_state', 'the sign-in expired or was not started here');
    }
    const idp = await this.repos.identityProviders.findById(pending.tenantId, pending.idpId);
    if (!idp || !idp.enabled || !idp.clientId) {
      throw new FederationError('idp_gone', 'the identity provider is no longer configured');
    }
    const meta = await this.metadataOf(idp.issuer);
    const secret = idp.clientSecretRef ? await resolveSecretRef(idp.clientSecretRef) : undefined;
    const response = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(secret ? { authorization: basic(idp.clientId, secret) } : {}),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.callbackUrl,
        code_verifier: pending.verifier,
        ...(secret ? {} : { client_id: idp.clientId }),
      }),
    });
    const tokens = TokenResponse.safeParse(await response.json().catch(() => null));
    if (!response.ok || !tokens.success) {
      throw new FederationError(
        'idp_token_refused',
        `the IdP refused the code (${response.status})`,
      );
    }
    const { payload } = await jwtVerify(tokens.data.id_token, this.jwksOf(meta), {
      issuer: idp.issuer,
      audience: idp.clientId,
    }).catch(() => {
      throw new FederationError('idp_id_token_invalid', "the IdP's ID token did not verify");
    });
    if (payload['nonce'] !== pending.nonce) {
      throw new FederationError('idp_id_token_invalid', "the IdP's ID token has another nonce");
    }
    const claims = await this.withUserinfo(payload, meta, tokens.data.access_token);
    const email = claims[idp.personClaim];
    if (typeof email !== 'string' || email.length === 0) {
      throw new FederationError('missing_claim', `the IdP did not send ${idp.personClaim}`);
    }
    const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
    if (idp.allowedEmailDomains.length > 0 && !idp.allowedEmailDomains.includes(domain)) {
      throw new FederationError('email_domain_not_allowed', 'that email domain is not allowed');
    }
    const person = await this.repos.people.findByEmail(pending.tenantId, email);
    if (!person || person.status !== 'active') {
      throw new FederationError('unknown_person', 'no active person of the tenant has that email');
    }
    return `${pending.tenantId}:${person.id}`;
  }

  private async withUserinfo(
    claims: JWTPayload,
    meta: IdpMetadata,
    accessToken: string | undefined,
  ): Promise<Record<string, unknown>> {
    if (!meta.userinfo_endpoint || !accessToken) return claims;
    const response = await fetch(meta.userinfo_endpoint, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (!response.ok) return claims;
    const info = z.record(z.string(), z.unknown()).safeParse(await response.json());
    // The ID token's subject is authoritative; userinfo only adds claims about the same one.
    return info.success && info.data['sub'] === claims.sub ? { ...info.data, ...claims } : claims;
  }

  private async pending(state: string): Promise<Pending | undefined> {
    const raw = await this.redis.get(this.stateKey(state));
    const parsed = raw ? Pending.safeParse(JSON.parse(raw)) : undefined;
    return parsed?.success ? parsed.data : undefined;
  }

  private stateKey(state: string): string {
    return `${this.prefix}oauth:federation:${state}`;
  }

  /** The keys an IdP signs with: its `jwksUrl`, else those its OpenID metadata names. */
  async keysOf(
    issuer: string,
    jwksUrl: string | null,
  ): Promise<ReturnType<typeof createRemoteJWKSet>> {
    return this.jwksOf(jwksUrl ? { jwks_uri: jwksUrl } : await this.metadataOf(issuer));
  }

  private metadataOf(issuer: string): Promise<IdpMetadata> {
    let meta = this.metadata.get(issuer);
    if (!meta) {
      meta = (async () => {
        const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
        const response = await fetch(url);
        const parsed = IdpMetadata.safeParse(await response.json().catch(() => null));
        if (!response.ok || !parsed.success || parsed.data.issuer !== issuer) {
          throw new FederationError('idp_unreachable', `no usable OpenID metadata at ${url}`);
        }
        return parsed.data;
      })();
      meta.catch(() => this.metadata.delete(issuer));
      this.metadata.set(issuer, meta);
    }
    return meta;
  }

  private jwksOf(meta: { jwks_uri: string }): ReturnType<typeof createRemoteJWKSet> {
    let set = this.jwks.get(meta.jwks_uri);
    if (!set) {
      set = createRemoteJWKSet(new URL(meta.jwks_uri));
      this.jwks.set(meta.jwks_uri, set);
    }
    return set;
  }
}

function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}
