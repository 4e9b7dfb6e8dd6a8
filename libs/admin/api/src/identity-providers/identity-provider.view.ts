import type { IdentityProvider } from '@gatehouse/data-access';

export interface IdentityProviderView {
  id: string;
  tenantId: string;
  issuer: string;
  clientId: string | null;
  clientSecretRef: string | null;
  jwksUrl: string | null;
  personClaim: string;
  allowedEmailDomains: string[];
  groupClaim: string | null;
  groupRoles: unknown;
  jitProvisioning: boolean;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function identityProviderView(idp: IdentityProvider): IdentityProviderView {
  return {
    id: idp.id,
    tenantId: idp.tenantId,
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecretRef: idp.clientSecretRef,
    jwksUrl: idp.jwksUrl,
    personClaim: idp.personClaim,
    allowedEmailDomains: idp.allowedEmailDomains,
    groupClaim: idp.groupClaim,
    groupRoles: idp.groupRoles,
    jitProvisioning: idp.jitProvisioning,
    enabled: idp.enabled,
    createdAt: idp.createdAt.toISOString(),
    updatedAt: idp.updatedAt.toISOString(),
  };
}
