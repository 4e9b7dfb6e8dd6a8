import type { PGlite } from '@electric-sql/pglite';
import type { ClientBase } from 'pg';

/**
 * The few operations the migrator needs from one database session (a single connection, so
 * session-level advisory locks and BEGIN/COMMIT apply to the same backend).
 */
export interface SqlExecutor {
  /** One statement with positional parameters ($1, $2, ...). */
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** A script of several statements, no parameters. */
  exec(script: string): Promise<void>;
}

export function pgExecutor(client: ClientBase): SqlExecutor {
  return {
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      const result = await client.query<Row>(sql, [...params]);
      return result.rows;
    },
    async exec(script: string) {
      // Without parameters `pg` uses the simple query protocol, which accepts several statements.
      await client.query(script);
    },
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query<Row>(sql, [...params]);
      return result.rows;
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}
