export { checkReadiness, type ReadinessCheck, type ReadinessReport } from './health';
export { startHttpApp, type HttpAppHandle, type HttpAppOptions } from './http-app';
export { PinoNestLogger } from './nest-logger';
export { createRuntime, type Runtime, type RuntimeMode } from './runtime';
export { installGracefulShutdown, type GracefulShutdownOptions } from './shutdown';
export {
  bootstrapIfEmpty,
  BOOTSTRAP_EMAIL,
  BOOTSTRAP_TENANT,
  type BootstrapResult,
} from './bootstrap';
export { createBearerResolver, createTokenResolver, type BearerResolver } from './identity';
export { launch, readVersion, TELEMETRY_FLUSH_TIMEOUT_MS, type LaunchContext } from './launch';
export type { ClientErrorBody, ClientErrorKind } from './client-errors';
