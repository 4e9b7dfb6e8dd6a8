import { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { collect, CommandContext, defined, requireSome } from '../command-context';
import { col } from '../output';

const COLUMNS = [col('email'), col('name'), col('roles'), col('status'), col('id')];

export function peopleCommand(io: CliIo): Command {
  const people = new Command('people').description('People of the tenant and their roles');
  people
    .command('list')
    .description('List people')
    .option('--email <email>', 'only this email')
    .option('--role <role>', 'only people with this role')
    .option('--status <status>', 'active or disabled')
    .option('--limit <n>', 'page size (1-200)')
    .option('--cursor <cursor>', 'next page')
    .action(async (options: Record<string, string | undefined>, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.list(await (await ctx.client()).call('listPeople', { query: options }), COLUMNS);
    });
  people
    .command('get <person>')
    .description('Show a person (id)')
    .action(async (person: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.record(await (await ctx.client()).call('getPerson', { params: { p: person } }));
    });
  people
    .command('create')
    .description('Add a person to the tenant')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--name <name>', 'display name')
    .option(
      '--role <role>',
      'member, approver, admin (repeat for several; default member)',
      collect,
    )
    .action(async (options: { email: string; name: string; role?: string[] }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const body = defined({ email: options.email, name: options.name, roles: options.role });
      const created = await (await ctx.client()).call<{ id: string }>('createPerson', { body });
      ctx.done(created, `created person ${options.email} (${created.id})`);
    });
  people
    .command('update <person>')
    .description("Change a person's email, name or roles, or re-enable them (--status active)")
    .option('--email <email>', 'email address')
    .option('--name <name>', 'display name')
    .option('--role <role>', 'the new roles (repeat for several; replaces all)', collect)
    .option('--status <status>', 'active (re-enable)')
    .action(async (person: string, options: Record<string, unknown>, command: Command) => {
      const ctx = new CommandContext(io, command);
      const { role, ...rest } = options;
      const body = requireSome(defined({ ...rest, roles: role }), 'person');
      const updated = await (
        await ctx.client()
      ).call('updatePerson', { params: { p: person }, body });
      ctx.done(updated, `updated person ${person}`);
    });
  people
    .command('delete <person>')
    .description('Disable a person: their tokens stop working at once')
    .action(async (person: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const result = await (await ctx.client()).call('disablePerson', { params: { p: person } });
      ctx.done(result, `disabled person ${person}`);
    });
  return people;
}
