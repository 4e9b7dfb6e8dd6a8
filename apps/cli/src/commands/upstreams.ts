import { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { CommandContext, defined, intOption, requireSome } from '../command-context';
import { CliError, EXIT } from '@gatehouse/admin-client';
import { col } from '../output';

const COLUMNS = [col('slug'), col('url'), col('enabled'), col('hasCredentials'), col('id')];

interface UpstreamOptions {
  slug?: string;
  name?: string;
  url?: string;
  enabled?: boolean;
  bearerTokenEnv?: string;
  noCredentials?: boolean;
  annotationsTrusted?: boolean;
  timeoutMs?: number;
}

/**
 * The body fields from the options. A credential is read from the environment variable the
 * user names, so it never appears on a command line (shell history, `ps`).
 */
function upstreamBody(io: CliIo, options: UpstreamOptions): Record<string, unknown> {
  let credentials: unknown;
  if (options.bearerTokenEnv) {
    const token = io.env[options.bearerTokenEnv];
    if (!token)
      throw new CliError(
        `Environment variable ${options.bearerTokenEnv} is not set (or empty).`,
        EXIT.USAGE,
        `Export it first: export ${options.bearerTokenEnv}=...`,
      );
    credentials = { bearerToken: token };
  } else if (options.noCredentials) credentials = null;
  return defined({
    slug: options.slug,
    name: options.name,
    url: options.url,
    enabled: options.enabled,
    credentials,
    annotationsTrusted: options.annotationsTrusted,
    timeoutMs: options.timeoutMs,
  });
}

function withFields(command: Command): Command {
  return command
    .option(
      '--bearer-token-env <VAR>',
      'send the bearer token held in this environment variable upstream',
    )
    .option('--annotations-trusted', "trust the upstream's tool annotations (risk)")
    .option('--timeout-ms <ms>', 'per-call timeout', intOption('timeout-ms'));
}

export function upstreamsCommand(io: CliIo): Command {
  const upstreams = new Command('upstreams').description('Upstream MCP servers of the tenant');
  upstreams
    .command('list')
    .description('List upstreams')
    .option('--limit <n>', 'page size (1-200)')
    .option('--cursor <cursor>', 'next page')
    .action(async (options: { limit?: string; cursor?: string }, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.list(await (await ctx.client()).call('listUpstreams', { query: options }), COLUMNS);
    });
  upstreams
    .command('get <upstreamId>')
    .description('Show an upstream')
    .action(async (upstreamId: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.record(await (await ctx.client()).call('getUpstream', { params: { upstreamId } }));
    });
  withFields(
    upstreams
      .command('create')
      .description('Register an upstream MCP server (Streamable HTTP URL)')
      .requiredOption('--slug <slug>', 'tool-name prefix: <slug>__<tool>')
      .requiredOption('--url <url>', 'the MCP endpoint, e.g. https://mcp.example.com/mcp')
      .option('--name <name>', 'display name (default the slug)')
      .option('--disabled', 'register it switched off'),
  ).action(async (options: UpstreamOptions & { disabled?: boolean }, command: Command) => {
    const ctx = new CommandContext(io, command);
    const body = upstreamBody(io, {
      ...options,
      name: options.name ?? options.slug,
      enabled: options.disabled ? false : undefined,
    });
    const created = await (await ctx.client()).call<{ id: string }>('createUpstream', { body });
    ctx.done(created, `registered upstream ${options.slug ?? ''} (${created.id})`);
  });
  const update = withFields(
    upstreams.command('update <upstreamId>').description('Change an upstream'),
  )
    .option('--slug <slug>', 'tool-name prefix')
    .option('--url <url>', 'the MCP endpoint')
    .option('--name <name>', 'display name')
    .option('--enable', 'switch it on')
    .option('--disable', 'switch it off')
    .option('--no-annotations-trusted', 'stop trusting its annotations')
    .option('--no-credentials', 'remove its credentials');
  update.action(
    async (
      upstreamId: string,
      options: UpstreamOptions & { enable?: boolean; disable?: boolean; credentials?: boolean },
      command: Command,
    ) => {
      const ctx = new CommandContext(io, command);
      const enabled = options.enable ? true : options.disable ? false : undefined;
      const body = requireSome(
        upstreamBody(io, { ...options, enabled, noCredentials: options.credentials === false }),
        'upstream',
      );
      const updated = await (
        await ctx.client()
      ).call('updateUpstream', { params: { upstreamId }, body });
      ctx.done(updated, `updated upstream ${upstreamId}`);
    },
  );
  upstreams
    .command('delete <upstreamId>')
    .description('Remove an upstream')
    .action(async (upstreamId: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const result = await (await ctx.client()).call('deleteUpstream', { params: { upstreamId } });
      ctx.done(result, `deleted upstream ${upstreamId}`);
    });
  return upstreams;
}
