import { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { API, CliError, EXIT } from '@gatehouse/admin-client';
import { CommandContext, defined, jsonOption } from '../command-context';

const DOCUMENT_FIELDS: readonly string[] = API.putLimits.body;

/** The document as a JSON object with only the fields the API knows, or a usage error. */
function limitsBody(document: unknown): Record<string, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new CliError('--document must be a JSON object', EXIT.USAGE);
  const unknown = Object.keys(document).filter((key) => !DOCUMENT_FIELDS.includes(key));
  if (unknown.length > 0)
    throw new CliError(
      `--document has unknown field(s): ${unknown.join(', ')}`,
      EXIT.USAGE,
      `the fields are: ${DOCUMENT_FIELDS.join(', ')}`,
    );
  return document as Record<string, unknown>;
}

/** `gatehouse limits get|set|usage`: the tenant's rate limits and quotas (issue 21's routes). */
export function limitsCommand(io: CliIo): Command {
  const limits = new Command('limits').description('Rate limits, concurrency limits and quotas');
  limits
    .command('get')
    .description('Show the limits document in force and its version')
    .action(async (_options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.record(await (await ctx.client()).call('getLimits', { params: {} }));
    });
  limits
    .command('set')
    .description('Replace the limits document (validated by the API; makes a new version)')
    .requiredOption(
      '--document <json>',
      'the whole document, e.g. \'{"rules":[],"quotas":{"person":{"daily":100}}}\'',
      jsonOption('document'),
    )
    .action(async (options: { document: unknown }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const body = limitsBody(options.document);
      const result = await (
        await ctx.client()
      ).call<{ version?: number }>('putLimits', { params: {}, body });
      ctx.done(result, `set limits (version ${String(result.version)})`);
    });
  limits
    .command('usage')
    .description('Quota usage today and this month (UTC), optionally also for one person')
    .option('--person <id>', "also show this person's usage (person id)")
    .action(async (options: { person?: string }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const query = defined({ personId: options.person }) as Record<string, string>;
      ctx.record(await (await ctx.client()).call('getLimitsUsage', { params: {}, query }));
    });
  return limits;
}
