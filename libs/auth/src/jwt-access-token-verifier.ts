import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';
import { AuthError } from './identity';

/** Asymmetric algorithms only: a JWKS never legitimately carries an HMAC key for us. */
export const JWT_ALGORITHMS = [
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
] as const;

/** A JWT's three base64url parts; `alg: none` tokens have an empty third part. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function looksLikeJwt(credential: string): boolean {
  return JWT_SHAPE.test(credential);
}

export interface TrustedIssuer {
  issuer: string;
  /** When absent, discovered from the issuer's OpenID or OAuth metadata. */
  jwksUrl?: string;
}

export interface JwtVerifierSettings {
  issuers: TrustedIssuer[];
  /** The `aud` values this resource answers to (RFC 8707 resource URLs, or an API id). */
  audiences: string[];
  /** Seconds of clock difference tolerated on `exp` and `nbf`. */
  clockToleranceSeconds?: number;
}

/** What a verified access token says; the person claim is read by the caller. */
export interface VerifiedJwt {
  issuer: string;
  claims: JWTPayload;
  /** `scope` (space-separated) or `scp` (string or list), as issued. */
  scopes: string[];
  /** The OAuth client the token was issued to (see CLIENT_ID_CLAIMS), when named. */
  clientId: string | undefined;
}

/** Where IdPs put the OAuth client: RFC 9068 `client_id`, OIDC `azp`, Okta `cid`, Entra v1 `appid`. */
const CLIENT_ID_CLAIMS = ['client_id', 'azp', 'cid', 'appid'];

const Metadata = z.object({ issuer: z.string(), jwks_uri: z.url() });

/**
 * Verifies JWT access tokens: asymmetric signature from the issuer's JWKS (fetched once, cached
 * by jose and refetched when an unknown `kid` appears, so key rotation is followed), a trusted
 * `iss`, an `aud` naming this resource, `exp` (required) and `nbf` with a small skew. Each
 * refusal is an AuthError whose code and message say why.
 */
export class JwtAccessTokenVerifier {
  private readonly keys = new Map<string, Promise<JWTVerifyGetKey>>();
  private readonly issuers: Map<string, TrustedIssuer>;

  constructor(private readonly settings: JwtVerifierSettings) {
    this.issuers = new Map(settings.issuers.map((i) => [i.issuer, i]));
  }

  get audiences(): readonly string[] {
    return this.settings.audiences;
  }

  /** `audiences` overrides the configured ones (a tenant URL is a resource of its own). */
  async verify(jwt: string, audiences = this.settings.audiences): Promise<VerifiedJwt> {
    const issuer = this.trustedIssuerOf(jwt);
    try {
      const { payload } = await jwtVerify(jwt, await this.jwks(issuer), {
        issuer: issuer.issuer,
        audience: [...audiences],
        algorithms: [...JWT_ALGORITHMS],
        clockTolerance: this.settings.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp'],
      });
      return {
        issuer: issuer.issuer,
        claims: payload,
        scopes: scopesOf(payload),
        clientId: CLIENT_ID_CLAIMS.map((c) => stringClaim(payload, c)).find(Boolean),
      };
    } catch (error) {
      throw refusalOf(error, audiences);
    }
  }

  /** The checks that need no key: shape, algorithm, and an issuer we trust. */
  private trustedIssuerOf(jwt: string): TrustedIssuer {
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(jwt).alg;
      iss = decodeJwt(jwt).iss;
    } catch {
      throw new AuthError('invalid_jwt', 'the JWT cannot be decoded');
    }
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
      throw new AuthError('jwt_unsigned', 'the JWT is unsigned (alg none)');
    }
    if (!(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new AuthError(
        'jwt_algorithm_not_allowed',
        `the JWT algorithm ${alg} is not accepted: only asymmetric signatures are`,
      );
    }
    const trusted = typeof iss === 'string' ? this.issuers.get(iss) : undefined;
    if (!trusted) {
      throw new AuthError(
        'jwt_unknown_issuer',
        typeof iss === 'string'
          ? `the JWT issuer ${iss} is not trusted here`
          : 'the JWT names no issuer',
      );
    }
    return trusted;
  }

  private jwks(issuer: TrustedIssuer): Promise<JWTVerifyGetKey> {
    let keys = this.keys.get(issuer.issuer);
    if (!keys) {
      keys = locateJwks(issuer).then(
        (url) => createRemoteJWKSet(new URL(url), { cooldownDuration: 5_000 }),
        (error: unknown) => {
          this.keys.delete(issuer.issuer); // try discovery again on the next request
          throw error;
        },
      );
      this.keys.set(issuer.issuer, keys);
    }
    return keys;
  }
}

async function locateJwks(issuer: TrustedIssuer): Promise<string> {
  if (issuer.jwksUrl) return issuer.jwksUrl;
  const base = issuer.issuer.replace(/\/$/, '');
  let lastStatus = 0;
  for (const path of [
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
  ]) {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
    if (response.ok) return Metadata.parse(await response.json()).jwks_uri;
    lastStatus = response.status;
  }
  throw new Error(`no metadata for issuer ${issuer.issuer} (last answer ${lastStatus})`);
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function scopesOf(payload: JWTPayload): string[] {
  const scope = payload['scope'] ?? payload['scp'];
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

function refusalOf(error: unknown, audiences: readonly string[]): unknown {
  if (error instanceof AuthError || !(error instanceof joseErrors.JOSEError)) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return new AuthError('jwt_expired', 'the JWT has expired');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') {
      return new AuthError(
        'jwt_wrong_audience',
        `the JWT is for another audience: this resource is ${audiences.join(' or ')}`,
      );
    }
    if (error.claim === 'nbf')
      return new AuthError('jwt_not_yet_valid', 'the JWT is not yet valid');
    if (error.reason === 'missing') {
      return new AuthError('jwt_missing_claim', `the JWT has no "${error.claim}" claim`);
    }
    return new AuthError('invalid_jwt', `the JWT "${error.claim}" claim is invalid`);
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey
  ) {
    return new AuthError('jwt_bad_signature', 'the JWT signature does not verify');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return new AuthError('jwt_algorithm_not_allowed', 'the JWT algorithm is not accepted');
  }
  return new AuthError('invalid_jwt', `the JWT is invalid: ${error.message}`);
}
