import { readFile } from 'node:fs/promises';

/**
 * The secret a reference names: `env:NAME` (an environment variable) or `file:/path` (a mounted
 * secret, trailing newline dropped). The database stores only the reference.
 */
export async function resolveSecretRef(ref: string): Promise<string> {
  if (ref.startsWith('env:')) {
    const value = process.env[ref.slice(4)];
    if (!value) throw new Error(`the secret reference ${ref} names an unset variable`);
    return value;
  }
  if (ref.startsWith('file:')) return (await readFile(ref.slice(5), 'utf8')).trimEnd();
  throw new Error(`unsupported secret reference: ${ref.split(':')[0] ?? ''}`);
}
