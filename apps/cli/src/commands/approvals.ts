import { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { CommandContext, defined } from '../command-context';
import { col } from '../output';

const COLUMNS = [
  col('status'),
  col('upstream'),
  col('tool'),
  col('arguments'),
  col('personId'),
  col('requestedAt'),
  col('id'),
];

export function approvalsCommand(io: CliIo): Command {
  const approvals = new Command('approvals').description('Calls held for a human decision');
  approvals
    .command('list')
    .description('List approvals (default: pending ones)')
    .option('--status <status>', 'pending, approved, denied, expired, consumed, or all', 'pending')
    .option('--limit <n>', 'page size (1-200)')
    .option('--cursor <cursor>', 'next page')
    .action(
      async (options: { status: string; limit?: string; cursor?: string }, command: Command) => {
        const ctx = new CommandContext(io, command);
        const status = options.status === 'all' ? undefined : options.status;
        const query = { status, limit: options.limit, cursor: options.cursor };
        ctx.list(await (await ctx.client()).call('listApprovals', { query }), COLUMNS);
      },
    );
  approvals
    .command('get <id>')
    .description('Show a held call: who, which tool, the exact arguments')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.record(await (await ctx.client()).call('getApproval', { params: { id } }));
    });
  for (const [verb, operation, past] of [
    ['approve', 'approve', 'approved'],
    ['deny', 'deny', 'denied'],
  ] as const) {
    approvals
      .command(`${verb} <id>`)
      .description(
        verb === 'approve'
          ? 'Approve a held call: the waiting agent gets its result'
          : 'Deny a held call',
      )
      .option('--comment <text>', 'why (kept in the audit trail)')
      .action(async (id: string, options: { comment?: string }, command: Command) => {
        const ctx = new CommandContext(io, command);
        const result = await (
          await ctx.client()
        ).call(operation, { params: { id }, body: defined(options) });
        ctx.done(result, `${past} ${id}`);
      });
  }
  return approvals;
}
