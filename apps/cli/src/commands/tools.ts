import { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { CommandContext } from '../command-context';
import { col, type Row } from '../output';

const COLUMNS = [
  col('upstream'),
  col('name'),
  { header: 'risk', value: (row: Row) => (row['risk'] as { level?: string } | null)?.level },
  col('riskOverride'),
  col('pin'),
  col('upstreamId'),
];

export function toolsCommand(io: CliIo): Command {
  const tools = new Command('tools').description(
    'Tools the gateway has seen: risk and pinned definitions',
  );
  tools
    .command('list')
    .description('List every pinned tool with its risk and pin state (changed = needs review)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.list(await (await ctx.client()).call('listTools'), COLUMNS);
    });
  tools
    .command('accept <upstreamId> <tool>')
    .description("Accept a tool's changed definition (its new description and schema)")
    .action(async (upstreamId: string, toolName: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const params = { upstreamId, toolName };
      const result = await (await ctx.client()).call('acceptTool', { params });
      ctx.done(result, `accepted the new definition of ${toolName}`);
    });
  tools
    .command('risk <upstreamId> <tool> <level>')
    .description('Override the risk level (read_only, write, destructive), or "derived" to drop it')
    .action(
      async (
        upstreamId: string,
        toolName: string,
        level: string,
        _options: unknown,
        command: Command,
      ) => {
        const ctx = new CommandContext(io, command);
        const body = { risk: level === 'derived' ? null : level };
        const result = await (
          await ctx.client()
        ).call('setToolRisk', {
          params: { upstreamId, toolName },
          body,
        });
        ctx.done(result, `risk of ${toolName}: ${level}`);
      },
    );
  return tools;
}
