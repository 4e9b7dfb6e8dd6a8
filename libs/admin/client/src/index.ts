export { AdminClient, type CallOptions } from './api-client';
export { API, type ApiOperation, type ApiOperationName } from './api-operations';
export { CliError, EXIT, exitCodeForStatus, type ExitCode } from './exit-codes';
export {
  configDir,
  loginFile,
  LoginSchema,
  removeLogin,
  resolveLogin,
  saveLogin,
  type Env,
  type Login,
} from './login-store';
export { applyFilePlan, planFile } from './declarative/declarative';
export { fetchAllTenants, fetchTenant, type CurrentTenant } from './declarative/current-state';
export { exportGatehouseFile, SCHEMA_COMMENT } from './declarative/export-file';
export {
  GatehouseFile,
  gatehouseFileJsonSchema,
  type TenantEntry,
} from './declarative/gatehouse-file.schema';
export { loadGatehouseFile, parseGatehouseFile } from './declarative/load-file';
export { planChanges, type Change, type FieldChange, type ResourceKind } from './declarative/plan';
export { hasEffect, renderPlan, summary } from './declarative/render-plan';
