// Fresh, migrated Postgres databases for integration tests. The implementation lives in the
// data-access lib (which uses it for its own tests without a dependency cycle).
export { createTestDatabase, type TestDatabase } from '@gatehouse/data-access';
