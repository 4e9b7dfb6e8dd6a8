// Public API of the data-access lib: the only code that touches the Prisma client.
export { DataAccessError, type DataAccessErrorCode } from './errors';
export { createPrismaClient, type PrismaClient, type PrismaClientSource } from './prisma-client';
export { openEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database';
export {
  migrate,
  findMigrationsDir,
  readMigrations,
  MIGRATION_LOCK_KEY,
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
} from './migrator';
export { pgExecutor, pgliteExecutor, type SqlExecutor } from './sql-executor';
export { createTestDatabase, type TestDatabase } from './test-database';
export {
  parseRebuildToolHoursArgs,
  rebuildToolHoursByDay,
  REBUILD_TOOL_HOURS_USAGE,
  type RebuildToolHoursArgs,
  type RebuildToolHoursOptions,
  type RebuildToolHoursSummary,
  type RebuiltChunk,
} from './audit-tool-hours-rebuild';
export {
  encodeCursor,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type Page,
  type PageRequest,
} from './pagination';
export * from './repositories';

// Model types and enums, so no other lib imports the generated client or @prisma/client.
export type {
  Approval,
  AuditEvent,
  Person,
  Policy,
  PolicyVersion,
  LimitsVersion,
  Tenant,
  Token,
  ToolPin,
  Upstream,
  IdentityProvider,
  UpstreamCredential,
} from './generated/prisma/client';
export {
  ApprovalStatus,
  AuditKind,
  AuditOutcome,
  PersonStatus,
  PolicyEffect,
  TenantStatus,
  ToolPinStatus,
  UpstreamAuthMode,
} from './generated/prisma/enums';
export type { JsonValue, InputJsonValue } from './generated/prisma/internal/prismaNamespace';
