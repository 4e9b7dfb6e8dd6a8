import type { UpstreamCredential } from '@gatehouse/data-access';

/** A person's credential as the API shows it: when it was set and a display prefix, never more. */
export interface UpstreamCredentialView {
  upstreamId: string;
  personId: string;
  prefix: string;
  setAt: string;
}

export function upstreamCredentialView(row: UpstreamCredential): UpstreamCredentialView {
  return {
    upstreamId: row.upstreamId,
    personId: row.personId,
    prefix: row.prefix,
    setAt: row.setAt.toISOString(),
  };
}

/**
 * What of a secret may be shown: its first characters followed by an ellipsis, at most 4 and
 * never more than a quarter of it (a short secret shows nothing), like a token's display prefix.
 */
export function displayPrefix(secret: string): string {
  const shown = Math.min(4, Math.floor(secret.length / 4));
  return `${secret.slice(0, shown)}…`;
}
