import type { Command } from 'commander';
import { AdminClient, CliError, EXIT, resolveLogin, type ExitCode } from '@gatehouse/admin-client';
import type { CliIo } from './cli-io';
import { printJson, renderRecord, renderTable, type Column, type Row } from './output';

/** What every command gets: the global options, the signed-in client and the printers. */
export class CommandContext {
  constructor(
    readonly io: CliIo,
    private readonly command: Command,
  ) {}

  private get globals(): { json?: boolean; tenant?: string } {
    return this.command.optsWithGlobals();
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  async client(): Promise<AdminClient> {
    const login = await resolveLogin(this.io.env);
    const tenant = this.globals.tenant;
    return new AdminClient(tenant ? { ...login, tenant } : login);
  }

  /** A list: the items as a table, or `{ items, nextCursor }` as the API gave it with --json. */
  list(page: { items: Row[]; nextCursor?: string | null }, columns: Column[]): void {
    if (this.json) return printJson(this.io, page);
    if (page.items.length === 0) return this.io.out('(none)\n');
    this.io.out(renderTable(page.items, columns));
    if (page.nextCursor) this.io.out(`more: --cursor ${page.nextCursor}\n`);
  }

  /** One record: `key: value` lines, or the API's JSON with --json. */
  record(value: unknown, humanLine?: string): void {
    if (this.json) return printJson(this.io, value);
    if (humanLine) this.io.out(humanLine + '\n');
    this.io.out(renderRecord(value as Row));
  }

  /** A short confirmation for changes, or the API's JSON with --json. */
  done(value: unknown, message: string): void {
    if (this.json) return printJson(this.io, value);
    this.io.out(message + '\n');
  }
}

/** Ends the command with this exit code and nothing more to print. */
export class ExitWith extends Error {
  constructor(readonly exitCode: ExitCode) {
    super(`exit ${exitCode}`);
  }
}

/** Parses a JSON option value (`--settings '{"hideChangedTools":true}'`) or says what is wrong. */
export function jsonOption(name: string) {
  return (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError(
        `--${name} must be JSON, got: ${text}`,
        EXIT.USAGE,
        `e.g. --${name} '{"key":"value"}'`,
      );
    }
  };
}

export function intOption(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value))
      throw new CliError(`--${name} must be a whole number, got: ${text}`, EXIT.USAGE);
    return value;
  };
}

/** For repeatable options: `--role admin --role approver`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Drops undefined fields so PATCH bodies carry only what the user named. */
export function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

export function requireSome(body: Record<string, unknown>, what: string): Record<string, unknown> {
  if (Object.keys(body).length === 0)
    throw new CliError(
      `Nothing to update: name at least one field of the ${what}.`,
      EXIT.USAGE,
      'See `--help` for the fields.',
    );
  return body;
}
