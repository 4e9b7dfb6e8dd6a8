import type { PrismaClient } from '../generated/prisma/client';
import { ApprovalRepository } from './approval.repository';
import { AuditEventRepository } from './audit-event.repository';
import { IdentityProviderRepository } from './identity-provider.repository';
import { LimitsRepository } from './limits.repository';
import { PersonRepository } from './person.repository';
import { PolicyRepository } from './policy.repository';
import { TenantRepository } from './tenant.repository';
import { TokenRepository } from './token.repository';
import { ToolPinRepository } from './tool-pin.repository';
import { UpstreamCredentialRepository } from './upstream-credential.repository';
import { UpstreamRepository } from './upstream.repository';

export interface Repositories {
  tenants: TenantRepository;
  people: PersonRepository;
  tokens: TokenRepository;
  upstreams: UpstreamRepository;
  upstreamCredentials: UpstreamCredentialRepository;
  policies: PolicyRepository;
  approvals: ApprovalRepository;
  toolPins: ToolPinRepository;
  limits: LimitsRepository;
  auditEvents: AuditEventRepository;
  identityProviders: IdentityProviderRepository;
}

export function createRepositories(prisma: PrismaClient): Repositories {
  return {
    tenants: new TenantRepository(prisma),
    people: new PersonRepository(prisma),
    tokens: new TokenRepository(prisma),
    upstreams: new UpstreamRepository(prisma),
    upstreamCredentials: new UpstreamCredentialRepository(prisma),
    policies: new PolicyRepository(prisma),
    approvals: new ApprovalRepository(prisma),
    toolPins: new ToolPinRepository(prisma),
    limits: new LimitsRepository(prisma),
    auditEvents: new AuditEventRepository(prisma),
    identityProviders: new IdentityProviderRepository(prisma),
  };
}

export * from './approval.repository';
export * from './limits.repository';
export * from './audit-event.repository';
export * from './identity-provider.repository';
export {
  histogramPercentile,
  latencyBucket,
  latencyBucketValue,
  LATENCY_BUCKET_BOUNDS,
  LATENCY_BUCKETS,
  LATENCY_PERCENTILE_FACTOR,
} from './latency-histogram';
export * from './person.repository';
export * from './policy.repository';
export * from './tenant.repository';
export * from './token.repository';
export * from './tool-pin.repository';
export * from './upstream.repository';
export * from './upstream-credential.repository';
