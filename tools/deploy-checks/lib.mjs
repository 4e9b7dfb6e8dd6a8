// Shared plumbing of the deployment checks: a result collector and a process runner.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Collects named checks; each is pass or fail with the reasons. */
export class Results {
  passed = 0;
  failed = [];
  check(name, problems) {
    const list = Array.isArray(problems) ? problems : problems ? [problems] : [];
    if (list.length === 0) {
      this.passed += 1;
      console.log(`  ok    ${name}`);
    } else {
      this.failed.push(name);
      console.log(`  FAIL  ${name}`);
      for (const p of list) console.log(`          - ${p}`);
    }
  }
  /** A check whose body may throw: the message becomes the failure. */
  async run(name, body) {
    try {
      this.check(name, await body());
    } catch (error) {
      this.check(name, [error instanceof Error ? error.message : String(error)]);
    }
  }
}

export function exec(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
