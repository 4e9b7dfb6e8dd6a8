import { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CliIo } from '../cli-io';
import { CommandContext, intOption } from '../command-context';
import { col, renderTable, type Row } from '../output';

const COLUMNS = [
  col('time'),
  col('person', 'personId'),
  col('method'),
  col('upstream'),
  col('tool'),
  col('decision'),
  col('outcome'),
  col('latencyMs'),
];

interface Filters {
  person?: string;
  session?: string;
  upstream?: string;
  tool?: string;
  decision?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

function withFilters(command: Command): Command {
  return command
    .option('--person <id>', 'person id')
    .option('--session <id>', 'MCP session id')
    .option('--upstream <slug>', 'upstream slug')
    .option('--tool <text>', 'part of the tool name')
    .option('--decision <decision>', 'allow, deny, require_approval, ...')
    .option('--outcome <outcome>', 'ok, error, denied, ...')
    .option('--from <time>', 'ISO 8601, inclusive')
    .option('--to <time>', 'ISO 8601, exclusive');
}

function filtersOf(options: Filters): Filters {
  const { person, session, upstream, tool, decision, outcome, from, to } = options;
  return { person, session, upstream, tool, decision, outcome, from, to };
}

export function auditCommand(io: CliIo): Command {
  const audit = new Command('audit').description(
    'The audit trail: who called what, and what was decided',
  );
  withFilters(audit.command('list').description('List audit events, newest first'))
    .option('--limit <n>', 'page size (1-200)')
    .option('--cursor <cursor>', 'next page')
    .action(async (options: Filters & { limit?: string; cursor?: string }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const query = { ...filtersOf(options), limit: options.limit, cursor: options.cursor };
      ctx.list(await (await ctx.client()).call('listAudit', { query }), COLUMNS);
    });
  withFilters(
    audit.command('tail').description('Print new audit events as they arrive (Ctrl-C stops)'),
  )
    .option('--lines <n>', 'recent events to print first', intOption('lines'), 10)
    .option('--interval <seconds>', 'how often to ask for new events', intOption('interval'), 2)
    .option('--count <n>', 'stop after this many new events', intOption('count'))
    .action(
      async (
        options: Filters & { lines: number; interval: number; count?: number },
        command: Command,
      ) => {
        const ctx = new CommandContext(io, command);
        const client = await ctx.client();
        const filters = filtersOf(options);
        const print = (events: Row[], header: boolean) => {
          if (events.length === 0) return;
          if (ctx.json) return io.out(events.map((e) => JSON.stringify(e) + '\n').join(''));
          const table = renderTable(events, COLUMNS);
          io.out(header ? table : table.slice(table.indexOf('\n') + 1));
        };
        // The API lists newest first: the tail prints oldest first, like tail(1).
        const recent = await client.call<{ items: Row[] }>('listAudit', {
          query: { ...filters, limit: Math.max(1, options.lines) },
        });
        const seen = new Set(recent.items.map((e) => String(e['id'])));
        let since = String(recent.items[0]?.['time'] ?? filters.from ?? new Date().toISOString());
        print(options.lines > 0 ? [...recent.items].reverse() : [], true);
        let printed = 0;
        while (!io.signal?.aborted && (options.count === undefined || printed < options.count)) {
          try {
            await sleep(options.interval * 1000, undefined, io.signal ? { signal: io.signal } : {});
          } catch {
            break; // aborted
          }
          const fresh = (
            await client.listAll<Row>('listAudit', { query: { ...filters, from: since } })
          )
            .filter((e) => !seen.has(String(e['id'])))
            .reverse()
            .slice(0, options.count === undefined ? undefined : options.count - printed);
          for (const event of fresh) seen.add(String(event['id']));
          if (fresh.length > 0) since = String(fresh[fresh.length - 1]?.['time'] ?? since);
          print(fresh, printed === 0 && options.lines === 0);
          printed += fresh.length;
        }
      },
    );
  return audit;
}
