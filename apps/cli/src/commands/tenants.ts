import { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { CommandContext, defined, jsonOption, requireSome } from '../command-context';
import { col } from '../output';

const COLUMNS = [col('slug'), col('name'), col('status'), col('policyVersion'), col('id')];

export function tenantsCommand(io: CliIo): Command {
  const tenants = new Command('tenants').description('Tenants (platform admins only)');
  tenants
    .command('list')
    .description('List tenants')
    .option('--limit <n>', 'page size (1-200)')
    .option('--cursor <cursor>', 'next page, as the previous page printed')
    .action(async (options: { limit?: string; cursor?: string }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const client = await ctx.client();
      ctx.list(await client.call('listTenants', { query: options }), COLUMNS);
    });
  tenants
    .command('get <tenant>')
    .description('Show a tenant (id or slug)')
    .action(async (tenant: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.record(await (await ctx.client()).call('getTenant', { params: { t: tenant } }));
    });
  tenants
    .command('create')
    .description('Create a tenant')
    .requiredOption('--slug <slug>', 'lowercase letters, digits and dashes (used in URLs)')
    .requiredOption('--name <name>', 'display name')
    .option('--settings <json>', 'tenant settings as JSON', jsonOption('settings'))
    .action(
      async (options: { slug: string; name: string; settings?: unknown }, command: Command) => {
        const ctx = new CommandContext(io, command);
        const created = await (
          await ctx.client()
        ).call<{ slug: string; id: string }>('createTenant', {
          body: defined(options),
        });
        ctx.done(created, `created tenant ${created.slug} (${created.id})`);
      },
    );
  tenants
    .command('update <tenant>')
    .description('Change a tenant (name, settings) or re-enable it (--status active)')
    .option('--name <name>', 'display name')
    .option('--settings <json>', 'tenant settings as JSON', jsonOption('settings'))
    .option('--status <status>', 'active (re-enable)')
    .action(async (tenant: string, options: Record<string, unknown>, command: Command) => {
      const ctx = new CommandContext(io, command);
      const body = requireSome(defined(options), 'tenant');
      const updated = await (
        await ctx.client()
      ).call('updateTenant', { params: { t: tenant }, body });
      ctx.done(updated, `updated tenant ${tenant}`);
    });
  tenants
    .command('delete <tenant>')
    .description(
      'Disable a tenant: its tokens stop working at once (re-enable with update --status active)',
    )
    .action(async (tenant: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const result = await (await ctx.client()).call('disableTenant', { params: { t: tenant } });
      ctx.done(result, `disabled tenant ${tenant}`);
    });
  return tenants;
}
