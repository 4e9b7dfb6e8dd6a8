import { z } from 'zod';
import { configSchema, type GatehouseConfig } from './config.schema';
import { hasRedis, redisTopologyProblems } from './redis-topology';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nFix the environment variables above; `npm run docs:config` lists every variable.',
    );
    this.name = 'ConfigError';
  }
}

export type AppRole = 'gateway' | 'admin-api' | 'audit-service' | 'embedded';

/**
 * Parses the environment once. Empty strings count as unset so that `FOO=` in a compose file
 * does not turn into a validation error for an optional variable.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  role: AppRole = 'embedded',
): GatehouseConfig {
  const known = Object.keys(configSchema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      problems.push(`${key}=${JSON.stringify(input[key] ?? '')}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const config = parsed.data;
  if (role !== 'embedded') {
    if (!hasRedis(config) && role !== 'admin-api') {
      problems.push('REDIS_URL: required (for example redis://127.0.0.1:6379)');
    }
    if (!config.DATABASE_URL) {
      problems.push(
        'DATABASE_URL: required (for example postgres://postgres@127.0.0.1:5432/gatehouse)',
      );
    }
  }
  problems.push(...redisTopologyProblems(config));
  if (config.NODE_ENV === 'production' && !config.GATEHOUSE_ENCRYPTION_KEY) {
    problems.push('GATEHOUSE_ENCRYPTION_KEY: required in production (openssl rand -base64 32)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Port of the app being started: PORT wins over the app-specific default. */
export function portFor(config: GatehouseConfig, role: Exclude<AppRole, 'embedded'>): number {
  if (config.PORT !== undefined) return config.PORT;
  switch (role) {
    case 'gateway':
      return config.GATEWAY_PORT;
    case 'admin-api':
      return config.ADMIN_API_PORT;
    case 'audit-service':
      return config.AUDIT_SERVICE_PORT;
  }
}

/** Rows for the README's configuration table, straight from the schema. */
export function describeConfig(): { name: string; default: string; description: string }[] {
  return Object.entries(configSchema.shape).map(([name, schema]) => {
    const s = schema as z.ZodType;
    let def = '';
    const probe = s.safeParse(undefined);
    if (probe.success && probe.data !== undefined) {
      def = Array.isArray(probe.data) ? probe.data.join(',') : String(probe.data);
    }
    return { name, default: def, description: s.description ?? '' };
  });
}
