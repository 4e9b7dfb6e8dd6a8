import { Command } from 'commander';
import type { CliIo } from '../cli-io';
import {
  collect,
  CommandContext,
  defined,
  intOption,
  jsonOption,
  requireSome,
} from '../command-context';
import { col, type Row } from '../output';
import { resolvePersonId } from './tokens';

const COLUMNS = [
  col('name'),
  col('effect'),
  col('subjects'),
  { header: 'targets', value: (row: Row) => targetText(row['targets']) },
  col('condition'),
  col('enabled'),
  col('id'),
];

function targetText(targets: unknown): string {
  const { upstream = '*', tool = '*', risk } = (targets ?? {}) as Record<string, unknown>;
  return `${String(upstream)}__${String(tool)}${Array.isArray(risk) ? ` [${risk.join(',')}]` : ''}`;
}

interface RuleOptions {
  name?: string;
  description?: string;
  effect?: string;
  subject?: string[];
  upstream?: string;
  tool?: string;
  risk?: string[];
  condition?: string;
  priority?: number;
  enabled?: boolean;
}

function ruleBody(options: RuleOptions): Record<string, unknown> {
  const targeted = options.upstream ?? options.tool ?? options.risk;
  return defined({
    name: options.name,
    description: options.description,
    effect: options.effect,
    subjects: options.subject,
    targets: targeted
      ? defined({
          upstream: options.upstream ?? '*',
          tool: options.tool ?? '*',
          risk: options.risk,
        })
      : undefined,
    condition: options.condition,
    priority: options.priority,
    enabled: options.enabled,
  });
}

function withRuleFields(command: Command): Command {
  return command
    .option('--description <text>', 'why the rule exists')
    .option('--subject <subject>', '*, role:<role>, person:<id or email> (repeat)', collect)
    .option('--upstream <glob>', 'upstream slug glob (default *)')
    .option('--tool <glob>', 'tool name glob, without the <slug>__ prefix (default *)')
    .option('--risk <level>', 'only tools of this risk level (repeat)', collect)
    .option('--condition <cel>', 'CEL condition over args, identity, session, tool, now')
    .option('--priority <n>', 'orders matched rules (higher first)', intOption('priority'));
}

export function policiesCommand(io: CliIo): Command {
  const policies = new Command('policies').description('Policy rules: who may call which tools');
  policies
    .command('list')
    .description('List the rules (all of them: one page)')
    .action(async (_options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.list(await (await ctx.client()).call('listPolicies'), COLUMNS);
    });
  policies
    .command('get <policyId>')
    .description('Show a rule')
    .action(async (policyId: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      ctx.record(await (await ctx.client()).call('getPolicy', { params: { policyId } }));
    });
  withRuleFields(
    policies
      .command('create')
      .description('Add a rule (a broken CEL condition is refused with its position)')
      .requiredOption('--name <name>', 'rule name')
      .requiredOption('--effect <effect>', 'allow, deny or require_approval'),
  )
    .option('--disabled', 'add it switched off')
    .action(async (options: RuleOptions & { disabled?: boolean }, command: Command) => {
      const ctx = new CommandContext(io, command);
      const body = ruleBody({
        ...options,
        subject: options.subject ?? ['*'],
        enabled: !options.disabled,
      });
      const created = await (
        await ctx.client()
      ).call<{ id: string; policyVersion: number }>('createPolicy', { body });
      ctx.done(
        created,
        `created rule ${options.name ?? ''} (${created.id}); policy version ${created.policyVersion}`,
      );
    });
  withRuleFields(
    policies
      .command('update <policyId>')
      .description('Change a rule')
      .option('--name <name>', 'rule name')
      .option('--effect <effect>', 'allow, deny or require_approval'),
  )
    .option('--enable', 'switch it on')
    .option('--disable', 'switch it off')
    .action(
      async (
        policyId: string,
        options: RuleOptions & { enable?: boolean; disable?: boolean },
        command: Command,
      ) => {
        const ctx = new CommandContext(io, command);
        const enabled = options.enable ? true : options.disable ? false : undefined;
        const body = requireSome(ruleBody({ ...options, enabled }), 'rule');
        const updated = await (
          await ctx.client()
        ).call<{ policyVersion: number }>('updatePolicy', { params: { policyId }, body });
        ctx.done(updated, `updated rule ${policyId}; policy version ${updated.policyVersion}`);
      },
    );
  policies
    .command('delete <policyId>')
    .description('Remove a rule')
    .action(async (policyId: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const result = await (await ctx.client()).call('deletePolicy', { params: { policyId } });
      ctx.done(result, `deleted rule ${policyId}`);
    });
  policies
    .command('simulate')
    .description(
      'What would the policy decide? e.g. --person bob@example.com --upstream bank --tool transfer --args \'{"amount":5000}\'',
    )
    .option('--person <person>', 'person id or email (default: you)')
    .requiredOption('--upstream <slug>', 'upstream slug')
    .requiredOption('--tool <name>', 'tool name as the upstream names it')
    .option('--args <json>', 'the call arguments as JSON', jsonOption('args'))
    .option('--scope <scope>', 'token scopes (repeat; default mcp:call)', collect)
    .action(
      async (
        options: {
          person?: string;
          upstream: string;
          tool: string;
          args?: unknown;
          scope?: string[];
        },
        command: Command,
      ) => {
        const ctx = new CommandContext(io, command);
        const client = await ctx.client();
        const personId = options.person ? await resolvePersonId(client, options.person) : undefined;
        const body = defined({
          personId,
          upstream: options.upstream,
          tool: options.tool,
          arguments: options.args,
          scopes: options.scope,
        });
        const result = await client.call<{ effect: string; reason: string }>('simulatePolicy', {
          body,
        });
        ctx.record(result, `${result.effect}: ${result.reason}`);
      },
    );
  policies
    .command('versions')
    .description('List policy versions, newest first')
    .action(async (_options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const page = await (await ctx.client()).call<{ items: Row[] }>('listPolicyVersions');
      ctx.list(page, [col('version'), col('createdAt'), col('createdBy'), col('ruleCount')]);
    });
  policies
    .command('rollback <version>')
    .description("Restore a version's rules, as a new version")
    .action(async (version: string, _options: unknown, command: Command) => {
      const ctx = new CommandContext(io, command);
      const result = await (await ctx.client()).call('rollbackPolicies', { params: { version } });
      ctx.done(result, `restored the rules of version ${version}`);
    });
  return policies;
}
