import type { Provider, Type } from '@nestjs/common';
import { ApprovalsController } from './approvals/approvals.controller';
import { ApprovalsService } from './approvals/approvals.service';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { IdentityProvidersController } from './identity-providers/identity-providers.controller';
import { IdentityProvidersService } from './identity-providers/identity-providers.service';
import { LimitsController } from './limits/limits.controller';
import { LimitsService } from './limits/limits.service';
import { PeopleController } from './people/people.controller';
import { PeopleService } from './people/people.service';
import { PoliciesController } from './policies/policies.controller';
import { PoliciesService } from './policies/policies.service';
import { PolicySimulationService } from './policies/policy-simulation.service';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { TenantsController } from './tenants/tenants.controller';
import { TenantsService } from './tenants/tenants.service';
import { TokensController } from './tokens/tokens.controller';
import { TokensService } from './tokens/tokens.service';
import { ToolsController } from './tools/tools.controller';
import { ToolsService } from './tools/tools.service';
import { UpstreamCredentialsController } from './upstream-credentials/upstream-credentials.controller';
import { UpstreamCredentialsService } from './upstream-credentials/upstream-credentials.service';
import { UpstreamsController } from './upstreams/upstreams.controller';
import { UpstreamsService } from './upstreams/upstreams.service';

/**
 * Every admin controller and its services. Adding an area (policies, approvals, audit): write
 * `<area>/<area>.controller.ts` with an `@Access(...)` on each route, its service, and list
 * both here; the authorization matrix test then demands a fixture for each new route.
 */
export const ADMIN_CONTROLLERS: readonly Type[] = [
  TenantsController,
  PeopleController,
  TokensController,
  UpstreamsController,
  IdentityProvidersController,
  UpstreamCredentialsController,
  SessionsController,
  PoliciesController,
  LimitsController,
  ApprovalsController,
  ToolsController,
  AuditController,
];

export const ADMIN_SERVICES: readonly Provider[] = [
  TenantsService,
  PeopleService,
  TokensService,
  UpstreamsService,
  IdentityProvidersService,
  UpstreamCredentialsService,
  SessionsService,
  PoliciesService,
  PolicySimulationService,
  LimitsService,
  ApprovalsService,
  ToolsService,
  AuditService,
];
