import {
  applyFilePlan,
  CliError,
  EXIT,
  exportGatehouseFile,
  fetchAllTenants,
  fetchTenant,
  gatehouseFileJsonSchema,
  hasEffect,
  loadGatehouseFile,
  planFile,
  renderPlan,
  type Change,
  type CurrentTenant,
} from '@gatehouse/admin-client';
import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, resolve } from 'node:path';
import type { CliIo } from '../cli-io';
import { CommandContext, ExitWith, intOption } from '../command-context';

interface FileOptions {
  file: string;
  wait?: number;
  prune?: boolean;
  updateCredentials?: boolean;
}

function fileOptions(command: Command): Command {
  return command
    .requiredOption('-f, --file <path>', 'the declarative file', 'gatehouse.yaml')
    .option(
      '--prune',
      'also remove upstreams, rules and people of the named tenants that the file lacks',
    )
    .option(
      '--wait <seconds>',
      'keep trying this long while the admin API cannot be reached (a hook Job at install)',
      intOption('wait'),
    )
    .option(
      '--update-credentials',
      're-send upstream credentials from their references (the API never shows them, so apply cannot tell whether they changed)',
    );
}

export function declarativeCommands(io: CliIo): Command[] {
  const plan = async (ctx: CommandContext, options: FileOptions) => {
    const path = resolve(io.cwd, options.file);
    const file = await loadGatehouseFile(path);
    const client = await ctx.client();
    const deadline = Date.now() + (options.wait ?? 0) * 1000;
    const updateCredentials = options.updateCredentials === true;
    let changes: Change[];
    for (;;) {
      try {
        changes = await planFile(client, file, { updateCredentials });
        break;
      } catch (error) {
        const unreachable = error instanceof CliError && error.exitCode === EXIT.UNAVAILABLE;
        if (!unreachable || Date.now() >= deadline) throw error;
        io.err(`waiting for the admin API at ${client.login.url}\n`);
        await sleep(2000, undefined, io.signal ? { signal: io.signal } : {});
      }
    }
    return { path, file, client, changes, prune: options.prune === true };
  };

  const diff = fileOptions(new Command('diff'))
    .description('Show what `apply` would change (exit 0: nothing, 8: differences)')
    .action(async (options: FileOptions, command: Command) => {
      const ctx = new CommandContext(io, command);
      const { changes, prune } = await plan(ctx, options);
      if (ctx.json) io.out(JSON.stringify({ changes }, null, 2) + '\n');
      else io.out(renderPlan(changes, prune));
      // Like diff(1): differences are a result for scripts (CI drift checks), not an error.
      if (hasEffect(changes, prune)) throw new ExitWith(EXIT.DIFFERENT);
    });

  const apply = fileOptions(new Command('apply'))
    .description('Make the named tenants match the file: prints the changes, then makes them')
    .option('--dry-run', 'print the changes only (same as diff)')
    .action(async (options: FileOptions & { dryRun?: boolean }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const { path, file, client, changes, prune } = await plan(ctx, options);
      if (!ctx.json) io.out(renderPlan(changes, prune));
      if (options.dryRun || !hasEffect(changes, prune)) {
        if (ctx.json) io.out(JSON.stringify({ changes, applied: 0 }, null, 2) + '\n');
        return;
      }
      const applied = await applyFilePlan(client, file, changes, {
        prune,
        secrets: { env: io.env, baseDir: dirname(path) },
      });
      if (ctx.json) io.out(JSON.stringify({ changes, applied }, null, 2) + '\n');
      else io.out(`Applied ${applied} change${applied === 1 ? '' : 's'}.\n`);
    });

  const exportCommand = new Command('export')
    .description(
      'Write the installation (or --tenant) as a gatehouse.yaml that apply leaves unchanged',
    )
    .option('-o, --output <path>', 'write to this file instead of stdout')
    .action(async (options: { output?: string }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const client = await ctx.client();
      const only = command.optsWithGlobals<{ tenant?: string }>().tenant;
      let tenants: CurrentTenant[];
      if (only) {
        const tenant = await fetchTenant(client, only);
        tenants = tenant ? [tenant] : [];
      } else tenants = await fetchAllTenants(client);
      const text = exportGatehouseFile(tenants);
      if (!options.output) return io.out(text);
      await writeFile(resolve(io.cwd, options.output), text);
      io.err(
        `wrote ${options.output} (${tenants.length} tenant${tenants.length === 1 ? '' : 's'})\n`,
      );
    });

  const schema = new Command('schema')
    .description(
      'Print the JSON Schema of gatehouse.yaml (for editors: yaml-language-server, VS Code)',
    )
    .action(() => {
      io.out(JSON.stringify(gatehouseFileJsonSchema(), null, 2) + '\n');
    });
  return [diff, apply, exportCommand, schema];
}
