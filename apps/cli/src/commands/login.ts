import { Command } from 'commander';
import {
  AdminClient,
  CliError,
  EXIT,
  LoginSchema,
  removeLogin,
  saveLogin,
} from '@gatehouse/admin-client';
import type { CliIo } from '../cli-io';
import { CommandContext } from '../command-context';

export function loginCommands(io: CliIo): Command[] {
  const login = new Command('login')
    .description('Check a token against an admin API and remember both (file readable only by you)')
    .requiredOption('--url <url>', 'the admin API, e.g. http://127.0.0.1:8081')
    .option('--token <token>', 'a gth_ token with admin scopes (default: $GATEHOUSE_TOKEN)')
    .option('--tenant <tenant>', 'the tenant commands act on by default', 'default')
    .action(async (options: { url: string; token?: string; tenant: string }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const parsed = LoginSchema.safeParse({
        url: options.url,
        token: options.token ?? io.env['GATEHOUSE_TOKEN'],
        tenant: options.tenant,
      });
      if (!parsed.success)
        throw new CliError(
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          EXIT.USAGE,
          'Pass --url http://host:8081 and --token gth_... (or set GATEHOUSE_TOKEN).',
        );
      const client = new AdminClient(parsed.data);
      try {
        await client.call('getTenant', { params: { t: parsed.data.tenant ?? 'default' } });
      } catch (error) {
        // A valid token of someone who is not a platform admin may not read tenants: still valid.
        if (!(error instanceof CliError && error.exitCode === EXIT.FORBIDDEN)) throw error;
      }
      const file = await saveLogin(io.env, parsed.data);
      ctx.done(
        { url: parsed.data.url, tenant: parsed.data.tenant, file },
        `Signed in to ${parsed.data.url} (tenant ${parsed.data.tenant}); saved to ${file} (mode 0600).`,
      );
    });
  const logout = new Command('logout')
    .description('Forget the stored URL and token')
    .action(async (_options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const removed = await removeLogin(io.env);
      ctx.done({ removed }, removed ? 'Signed out.' : 'Was not signed in.');
    });
  return [login, logout];
}
