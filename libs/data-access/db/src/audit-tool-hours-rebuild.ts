import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DataAccessError } from './errors';
import type { Tenant } from './generated/prisma/client';
import type { Page } from './pagination';
import type { Repositories } from './repositories';
import { HOUR_MS } from './repositories/audit-tool-hours';

// `npm run audit:rebuild-hours` (tools/audit-rebuild-hours.ts): recomputes the hourly rollup
// audit_tool_hours of one tenant, or of every tenant, from its audit_events, one UTC day per
// transaction (AuditEventRepository.rebuildToolHours), so that no transaction holds the rollup
// rows of a long range locked at once.

export const REBUILD_TOOL_HOURS_USAGE =
  'usage: npm run audit:rebuild-hours -- (--tenant <tenant id or slug> | --all-tenants) ' +
  '[--from <ISO time>] [--to <ISO time>]\n' +
  '  --from  default: the earliest event or rollup hour of the tenant (rounded down to the hour)\n' +
  '  --to    default: the start of the current hour (an hour being written is not rebuilt)';

export interface RebuildToolHoursOptions {
  /** A tenant id or slug, or every tenant. */
  tenants: { idOrSlug: string } | 'all';
  from?: Date;
  to?: Date;
}

export type RebuildToolHoursArgs =
  | { kind: 'rebuild'; options: RebuildToolHoursOptions }
  | { kind: 'help' }
  | { kind: 'invalid'; problems: string[] };

const isoTime = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error:
      'must be an ISO 8601 time with a zone or a date, e.g. 2026-04-01T00:00:00Z or 2026-04-01',
  })
  .transform((value) => new Date(value));

const argsSchema = z
  .object({
    tenant: z.string().trim().min(1, 'must name a tenant id or slug').optional(),
    'all-tenants': z.boolean().optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .superRefine((args, ctx) => {
    if ((args.tenant === undefined) === (args['all-tenants'] !== true)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either --tenant <id or slug> or --all-tenants',
      });
    }
    if (args.from && args.to && args.from >= args.to) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be earlier than --to' });
    }
  });

/** The command line (process.argv.slice(2)) checked; every problem is listed at once. */
export function parseRebuildToolHoursArgs(argv: string[]): RebuildToolHoursArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: 'string' },
        'all-tenants': { type: 'boolean' },
        from: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error: unknown) {
    return { kind: 'invalid', problems: [error instanceof Error ? error.message : String(error)] };
  }
  if (values['help']) return { kind: 'help' };
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    return {
      kind: 'invalid',
      problems: parsed.error.issues.map((issue) =>
        issue.path.length > 0 ? `--${issue.path.join('.')}: ${issue.message}` : issue.message,
      ),
    };
  }
  const { tenant, from, to } = parsed.data;
  return {
    kind: 'rebuild',
    options: {
      tenants: tenant === undefined ? 'all' : { idOrSlug: tenant },
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    },
  };
}

/** One rebuilt chunk: the whole UTC hours [from, to) of a tenant, at most one day. */
export interface RebuiltChunk {
  tenant: Pick<Tenant, 'id' | 'slug'>;
  from: Date;
  to: Date;
  hours: number;
  /** Rollup rows written (one per hour, upstream and tool with calls). */
  rows: number;
}

export interface RebuildToolHoursSummary {
  tenants: number;
  hours: number;
  rows: number;
}

const DAY_MS = 24 * HOUR_MS;

/**
 * Rebuilds the rollup of the chosen tenants over [from, to), whole UTC hours (`from` rounded
 * down, `to` up), one UTC day per transaction; only the chosen tenants' rows are touched.
 * Defaults: from the tenant's earliest event or rollup hour (so stale rows older than every
 * event go too), to the start of the current hour (`now`). A tenant with neither is skipped.
 */
export async function rebuildToolHoursByDay(
  repos: Pick<Repositories, 'tenants' | 'auditEvents'>,
  options: RebuildToolHoursOptions,
  onChunk: (chunk: RebuiltChunk) => void = () => undefined,
  now: Date = new Date(),
): Promise<RebuildToolHoursSummary> {
  const summary: RebuildToolHoursSummary = { tenants: 0, hours: 0, rows: 0 };
  const to = options.to ?? new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const end = Math.ceil(to.getTime() / HOUR_MS) * HOUR_MS;
  for await (const tenant of chosenTenants(repos, options.tenants)) {
    summary.tenants += 1;
    const from = options.from ?? (await repos.auditEvents.earliestToolHourTime(tenant.id));
    if (!from) continue;
    let start = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
    while (start < end) {
      const stop = Math.min(Math.floor(start / DAY_MS) * DAY_MS + DAY_MS, end);
      const range = { from: new Date(start), to: new Date(stop) };
      const rows = await repos.auditEvents.rebuildToolHours(tenant.id, range);
      const hours = (stop - start) / HOUR_MS;
      summary.hours += hours;
      summary.rows += rows;
      onChunk({ tenant: { id: tenant.id, slug: tenant.slug }, ...range, hours, rows });
      start = stop;
    }
  }
  return summary;
}

async function* chosenTenants(
  repos: Pick<Repositories, 'tenants'>,
  tenants: RebuildToolHoursOptions['tenants'],
): AsyncGenerator<Tenant, void, undefined> {
  if (tenants !== 'all') {
    const tenant = await repos.tenants.findByIdOrSlug(tenants.idOrSlug);
    if (!tenant) {
      throw new DataAccessError(
        'NOT_FOUND',
        `No tenant has the id or slug "${tenants.idOrSlug}"; GET /api/v1/tenants lists them.`,
      );
    }
    yield tenant;
    return;
  }
  let cursor: string | null = null;
  do {
    const page: Page<Tenant> = await repos.tenants.list({ cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
