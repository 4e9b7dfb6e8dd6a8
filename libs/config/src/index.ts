export { configSchema, type GatehouseConfig } from './config.schema';
export { ConfigError, describeConfig, loadConfig, portFor, type AppRole } from './load-config';
