import { Command, CommanderError } from 'commander';
import type { CliIo } from './cli-io';
import { approvalsCommand } from './commands/approvals';
import { auditCommand } from './commands/audit';
import { loginCommands } from './commands/login';
import { peopleCommand } from './commands/people';
import { limitsCommand } from './commands/limits';
import { policiesCommand } from './commands/policies';
import { tenantsCommand } from './commands/tenants';
import { tokensCommand } from './commands/tokens';
import { toolsCommand } from './commands/tools';
import { upstreamsCommand } from './commands/upstreams';
import { CliError, EXIT, type ExitCode } from '@gatehouse/admin-client';
import { ExitWith } from './command-context';
import { declarativeCommands } from './commands/declarative';

const EXIT_HELP = `
Exit codes: 0 ok, 1 failed, 2 bad input, 3 not signed in or token refused, 4 forbidden,
5 not found, 6 conflict, 7 admin API unreachable or busy, 8 diff found differences.
Environment: GATEHOUSE_URL + GATEHOUSE_TOKEN (instead of login), GATEHOUSE_TENANT,
GATEHOUSE_CONFIG_DIR (where login is kept).`;

export function buildProgram(io: CliIo): Command {
  const program = new Command('gatehouse')
    .description('Manage a Gatehouse MCP gateway through its admin API')
    .option('--json', 'print the API answer as JSON (for scripts)')
    .option('--tenant <tenant>', 'tenant id or slug (default: the one of your login)')
    .addHelpText('after', EXIT_HELP)
    .showHelpAfterError('(add --help for usage)');
  for (const command of [
    ...loginCommands(io),
    tenantsCommand(io),
    peopleCommand(io),
    tokensCommand(io),
    upstreamsCommand(io),
    toolsCommand(io),
    policiesCommand(io),
    limitsCommand(io),
    approvalsCommand(io),
    auditCommand(io),
    ...declarativeCommands(io),
  ])
    program.addCommand(command);
  configure(program, io);
  return program;
}

/** Every (sub)command writes through `io` and throws instead of exiting. */
function configure(command: Command, io: CliIo): void {
  command.exitOverride();
  command.configureOutput({ writeOut: io.out, writeErr: io.err });
  for (const sub of command.commands) configure(sub, io);
}

/** Runs one command line and returns the exit code; never calls process.exit. */
export async function runCli(argv: string[], io: CliIo): Promise<ExitCode> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures; commander has printed everything else already.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (error instanceof ExitWith) return error.exitCode;
    if (error instanceof CliError) {
      io.err(`error: ${error.message}\n`);
      if (error.hint) io.err(`hint: ${error.hint}\n`);
      return error.exitCode;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.FAILED;
  }
}
