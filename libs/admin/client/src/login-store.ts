import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CliError, EXIT } from './exit-codes';

/** Environment variables, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

export const LoginSchema = z.strictObject({
  url: z.url(),
  token: z.string().min(1),
  /** The tenant (slug or id) commands act on unless `--tenant` names another. */
  tenant: z.string().min(1).optional(),
});
export type Login = z.output<typeof LoginSchema>;

/**
 * `$GATEHOUSE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/gatehouse`, else `~/.config/gatehouse`
 * (`%APPDATA%\gatehouse` on Windows).
 */
export function configDir(env: Env): string {
  if (env['GATEHOUSE_CONFIG_DIR']) return env['GATEHOUSE_CONFIG_DIR'];
  if (env['XDG_CONFIG_HOME']) return join(env['XDG_CONFIG_HOME'], 'gatehouse');
  if (process.platform === 'win32' && env['APPDATA']) return join(env['APPDATA'], 'gatehouse');
  return join(env['HOME'] ?? homedir(), '.config', 'gatehouse');
}

export function loginFile(env: Env): string {
  return join(configDir(env), 'login.json');
}

/** Writes the login readable by the owner only (directory 0700, file 0600): it holds a token. */
export async function saveLogin(env: Env, login: Login): Promise<string> {
  const dir = configDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = loginFile(env);
  await writeFile(file, JSON.stringify(login, null, 2) + '\n', { mode: 0o600 });
  // writeFile keeps the mode of an existing file: tighten it in case it was created looser.
  await chmod(file, 0o600);
  return file;
}

export async function removeLogin(env: Env): Promise<boolean> {
  const file = loginFile(env);
  try {
    await rm(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The admin API to talk to: `GATEHOUSE_URL` + `GATEHOUSE_TOKEN` (CI, the Helm hook Job) win over
 * the stored login; `GATEHOUSE_TENANT` and then `--tenant` override its tenant.
 */
export async function resolveLogin(env: Env): Promise<Login> {
  const url = env['GATEHOUSE_URL'];
  const token = env['GATEHOUSE_TOKEN'];
  if (url && token) {
    const parsed = LoginSchema.safeParse({ url, token, tenant: env['GATEHOUSE_TENANT'] });
    if (!parsed.success)
      throw new CliError(
        `GATEHOUSE_URL is not a URL: ${url}`,
        EXIT.USAGE,
        'Set it to e.g. http://127.0.0.1:8081.',
      );
    return parsed.data;
  }
  const file = loginFile(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new CliError(
      'Not signed in to a Gatehouse admin API.',
      EXIT.UNAUTHENTICATED,
      'Run `gatehouse login --url http://127.0.0.1:8081 --token gth_...` (or set GATEHOUSE_URL and GATEHOUSE_TOKEN).',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = LoginSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(`${file} is damaged.`, EXIT.UNAUTHENTICATED, 'Run `gatehouse login` again.');
  const tenant = env['GATEHOUSE_TENANT'] ?? parsed.data.tenant;
  return { ...parsed.data, ...(tenant ? { tenant } : {}) };
}
