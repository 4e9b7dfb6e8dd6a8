import type { UpstreamConfig } from './ports';
import { RpcError } from './rpc-error';

/**
 * JSON-RPC code for a call to an upstream that needs the caller's own credential and has none
 * (implementation-defined range; `data.code` says which case).
 */
export const CREDENTIAL_REQUIRED_CODE = -32004;

/** Whether requests to this upstream can carry the credential it needs for this caller. */
export function credentialReady(upstream: UpstreamConfig): boolean {
  return upstream.credential === undefined || upstream.credential.state === 'ready';
}

/**
 * The error a caller gets for an upstream whose per-person credential they have not stored (or
 * that can no longer be decrypted): it names the admin API route that sets it. Undefined when
 * the upstream can be called.
 */
export function credentialRequiredError(upstream: UpstreamConfig): RpcError | undefined {
  const credential = upstream.credential;
  if (!credential || credential.state === 'ready') return undefined;
  const route = `PUT /api/v1/tenants/${upstream.tenantId}/people/${credential.personId ?? '<you>'}/upstream-credentials/${upstream.id}`;
  const what =
    credential.state === 'unreadable'
      ? `Your credential for upstream "${upstream.slug}" can no longer be read (the gateway's encryption key changed): set it again`
      : `Upstream "${upstream.slug}" acts as each person with their own credential, and you have not set yours: set it`;
  return new RpcError(
    CREDENTIAL_REQUIRED_CODE,
    `${what} with ${route} and a body {"bearerToken": "..."} (or "headers"), or ask an admin of your tenant.`,
    {
      code:
        credential.state === 'unreadable'
          ? 'upstream_credential_unreadable'
          : 'upstream_credential_missing',
      upstream: upstream.slug,
      authMode: credential.mode,
      setCredential: route,
    },
  );
}
