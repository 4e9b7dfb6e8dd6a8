import type { Token } from '@gatehouse/data-access';

/** A token as lists show it: never the secret, never its hash. */
export interface TokenView {
  id: string;
  tenantId: string;
  personId: string;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

/** What creation and rotation return: the secret, this once. */
export interface CreatedToken {
  token: TokenView;
  secret: string;
}

export function tokenView(token: Token): TokenView {
  return {
    id: token.id,
    tenantId: token.tenantId,
    personId: token.personId,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
  };
}
