import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { CliError, EXIT } from '../exit-codes';
import { GatehouseFile } from './gatehouse-file.schema';

/** Parses and validates gatehouse.yaml (YAML or JSON); every problem is listed with its path. */
export function parseGatehouseFile(text: string, name: string): GatehouseFile {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    throw new CliError(
      `${name} is not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`,
      EXIT.USAGE,
    );
  }
  const parsed = GatehouseFile.safeParse(data ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `  - ${i.path.join('.') || '(file)'}: ${i.message}`,
    );
    throw new CliError(
      `${name} does not match the gatehouse.yaml schema:\n${issues.join('\n')}`,
      EXIT.USAGE,
      'Run `gatehouse schema > gatehouse.schema.json` and point your editor at it.',
    );
  }
  return parsed.data;
}

export async function loadGatehouseFile(path: string): Promise<GatehouseFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${path}: ${(error as Error).message}`, EXIT.USAGE);
  }
  return parseGatehouseFile(text, path);
}
