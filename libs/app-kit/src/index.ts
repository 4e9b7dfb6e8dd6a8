export { checkReadiness, type ReadinessCheck, type ReadinessReport } from './health';
export { startHttpApp, type HttpAppHandle, type HttpAppOptions } from './http-app';
export { PinoNestLogger } from './nest-logger';
export { createRuntime, type Runtime, type RuntimeMode } from './runtime';
export { installGracefulShutdown } from './shutdown';
export {
  bootstrapIfEmpty,
  BOOTSTRAP_EMAIL,
  BOOTSTRAP_TENANT,
  type BootstrapResult,
} from './bootstrap';
export { createTokenResolver } from './identity';
export { launch, readVersion, type LaunchContext } from './launch';
