import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Env } from '../login-store';
import { CliError, EXIT } from '../exit-codes';
import type { CredentialsRef, SecretRef } from './gatehouse-file.schema';
import type { z } from 'zod';

export interface SecretSource {
  env: Env;
  /** Relative `file:` references are resolved from here (the file's directory). */
  baseDir: string;
}

export function describeRef(ref: SecretRef): string {
  return 'env' in ref ? `env ${ref.env}` : `file ${ref.file}`;
}

/** Reads a referenced secret at apply time; a missing one stops the apply, naming it. */
export async function resolveSecret(
  ref: SecretRef,
  source: SecretSource,
  where: string,
): Promise<string> {
  if ('env' in ref) {
    const value = source.env[ref.env];
    if (!value)
      throw new CliError(
        `${where}: environment variable ${ref.env} is not set (or empty).`,
        EXIT.USAGE,
        `Export ${ref.env} before applying.`,
      );
    return value;
  }
  const path = isAbsolute(ref.file) ? ref.file : resolve(source.baseDir, ref.file);
  try {
    // A Kubernetes Secret key mounted as a file usually ends with the newline of its source.
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new CliError(
      `${where}: cannot read ${path}: ${(error as Error).message}`,
      EXIT.USAGE,
      'Mount the Secret there or fix the path.',
    );
  }
}

/** The credentials body the admin API takes, from the file's references. */
export async function resolveCredentials(
  credentials: z.output<typeof CredentialsRef>,
  source: SecretSource,
  where: string,
): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  if (credentials.bearerToken)
    body['bearerToken'] = await resolveSecret(credentials.bearerToken, source, where);
  if (credentials.headers) {
    const headers: Record<string, string> = {};
    for (const [name, ref] of Object.entries(credentials.headers))
      headers[name] = await resolveSecret(ref, source, `${where} header ${name}`);
    body['headers'] = headers;
  }
  return body;
}
