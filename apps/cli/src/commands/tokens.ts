import { Command } from 'commander';
import { type AdminClient, CliError, EXIT } from '@gatehouse/admin-client';
import type { CliIo } from '../cli-io';
import { collect, CommandContext, defined } from '../command-context';
import { col } from '../output';

const COLUMNS = [
  col('name'),
  col('prefix'),
  col('scopes'),
  col('expiresAt'),
  col('revokedAt'),
  col('lastUsedAt'),
  col('id'),
];

interface CreatedToken {
  token: { id: string; name: string };
  secret: string;
}

/** A person named by id or by email (looked up in the tenant). */
export async function resolvePersonId(client: AdminClient, person: string): Promise<string> {
  if (!person.includes('@')) return person;
  const page = await client.call<{ items: { id: string }[] }>('listPeople', {
    query: { email: person },
  });
  const found = page.items[0];
  if (!found)
    throw new CliError(
      `No person with email ${person} in tenant ${client.tenant}.`,
      EXIT.NOT_FOUND,
      'See `gatehouse people list`.',
    );
  return found.id;
}

function printSecret(ctx: CommandContext, created: CreatedToken, verb: string): void {
  if (ctx.json) return ctx.done(created, '');
  ctx.io.out(
    `${verb} token ${created.token.name} (${created.token.id}).\n` +
      'Copy the secret now: it is shown only this once.\n\n' +
      `${created.secret}\n`,
  );
}

export function tokensCommand(io: CliIo): Command {
  const tokens = new Command('tokens').description(
    "People's tokens (the secret is shown once, at creation or rotation)",
  );
  tokens
    .command('list')
    .description("List a person's tokens (never their secrets)")
    .requiredOption('--person <person>', 'person id or email')
    .option('--limit <n>', 'page size (1-200)')
    .option('--cursor <cursor>', 'next page')
    .action(
      async (options: { person: string; limit?: string; cursor?: string }, command: Command) => {
        const ctx = new CommandContext(io, command);
        const client = await ctx.client();
        const p = await resolvePersonId(client, options.person);
        const query = { limit: options.limit, cursor: options.cursor };
        ctx.list(await client.call('listTokens', { params: { p }, query }), COLUMNS);
      },
    );
  tokens
    .command('create')
    .description('Create a token for a person and print its secret once')
    .requiredOption('--person <person>', 'person id or email')
    .requiredOption('--name <name>', 'what the token is for, e.g. "laptop claude"')
    .option(
      '--scope <scope>',
      'mcp:call, upstream:<slug>, admin:*, ... (repeat; default mcp:call)',
      collect,
    )
    .option('--expires-at <time>', 'ISO 8601 time, e.g. 2027-01-31T00:00:00Z')
    .action(
      async (
        options: { person: string; name: string; scope?: string[]; expiresAt?: string },
        command: Command,
      ) => {
        const ctx = new CommandContext(io, command);
        const client = await ctx.client();
        const p = await resolvePersonId(client, options.person);
        const body = defined({
          name: options.name,
          scopes: options.scope ?? ['mcp:call'],
          expiresAt: options.expiresAt,
        });
        printSecret(
          ctx,
          await client.call<CreatedToken>('createToken', { params: { p }, body }),
          'Created',
        );
      },
    );
  tokens
    .command('rotate <tokenId>')
    .description(
      'Replace a token by a new one with the same name and scopes; prints the new secret once',
    )
    .option('--expires-at <time>', 'ISO 8601 expiry of the new token (default: the old one)')
    .action(async (tokenId: string, options: { expiresAt?: string }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const client = await ctx.client();
      const body = defined({ expiresAt: options.expiresAt });
      printSecret(
        ctx,
        await client.call<CreatedToken>('rotateToken', { params: { tokenId }, body }),
        'Rotated',
      );
    });
  tokens
    .command('delete <tokenId>')
    .alias('revoke')
    .description('Revoke a token, at once on every gateway replica')
    .action(async (tokenId: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const result = await (await ctx.client()).call('revokeToken', { params: { tokenId } });
      ctx.done(result, `revoked token ${tokenId}`);
    });
  return tokens;
}
