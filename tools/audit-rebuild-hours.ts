// `npm run audit:rebuild-hours -- --tenant <id or slug> [--from …] [--to …]` (or --all-tenants):
// recomputes the stats rollup audit_tool_hours from audit_events, one UTC day per transaction,
// e.g. after an audit-service of an older version wrote events without it, or after a manual
// repair of the events (docs/audit.md). Reads DATABASE_URL, like db-migrate.
import {
  parseRebuildToolHoursArgs,
  rebuildToolHoursByDay,
  REBUILD_TOOL_HOURS_USAGE,
} from '../libs/data-access/db/src/audit-tool-hours-rebuild';
import { DataAccessError } from '../libs/data-access/db/src/errors';
import { createPrismaClient } from '../libs/data-access/db/src/prisma-client';
import { createRepositories } from '../libs/data-access/db/src/repositories';
import { runCommand } from './run-command';

const PREFIX = 'audit-rebuild-hours:';

async function main(): Promise<number> {
  const args = parseRebuildToolHoursArgs(process.argv.slice(2));
  if (args.kind === 'help') {
    console.log(REBUILD_TOOL_HOURS_USAGE);
    return 0;
  }
  if (args.kind === 'invalid') {
    for (const problem of args.problems) console.error(`${PREFIX} ${problem}`);
    console.error(REBUILD_TOOL_HOURS_USAGE);
    return 2;
  }
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    console.error(
      `${PREFIX} DATABASE_URL is not set. Example: DATABASE_URL=postgres://postgres@127.0.0.1:5432/gatehouse ` +
        'npm run audit:rebuild-hours -- --tenant acme',
    );
    return 2;
  }
  const prisma = createPrismaClient({ databaseUrl, maxConnections: 1 });
  try {
    const started = Date.now();
    const summary = await rebuildToolHoursByDay(createRepositories(prisma), args.options, (c) =>
      console.log(
        `${PREFIX} ${c.tenant.slug} ${c.from.toISOString()} .. ${c.to.toISOString()}: ` +
          `${c.hours} h, ${c.rows} rollup rows`,
      ),
    );
    console.log(
      `${PREFIX} rebuilt ${summary.hours} hours of ${summary.tenants} tenant(s), ` +
        `${summary.rows} rollup rows, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  } catch (error: unknown) {
    if (error instanceof DataAccessError && error.code === 'NOT_FOUND') {
      console.error(`${PREFIX} ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    await prisma.$disconnect();
  }
}

runCommand('audit-rebuild-hours', main);
