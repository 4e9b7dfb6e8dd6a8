// Dockerfile and entrypoint. No docker engine here: the Dockerfile is checked statically, the
// entrypoint and HEALTHCHECK script are executed against stand-ins.
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { exec, repoRoot } from './lib.mjs';

const entrypoint = join(repoRoot, 'deploy/docker/gatehouse-entrypoint.sh');
const healthcheck = join(repoRoot, 'deploy/docker/healthcheck.mjs');

export function dockerfileProblems(text) {
  const problems = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const froms = lines.filter((l) => /^FROM /i.test(l));
  if (froms.length < 3) problems.push('expected build, prod-deps and runtime stages');
  if (!lines.some((l) => /npm ci .*--omit=dev/.test(l))) problems.push('no `npm ci --omit=dev` stage');
  const lastFrom = lines.lastIndexOf(froms[froms.length - 1]);
  const runtime = lines.slice(lastFrom);
  const user = runtime.filter((l) => /^USER /i.test(l)).pop();
  if (!user || /^USER\s+(root|0)(:|$)/i.test(user)) problems.push('runtime stage does not switch to a non-root USER');
  if (!runtime.some((l) => /^HEALTHCHECK /i.test(l))) problems.push('no HEALTHCHECK');
  if (!runtime.some((l) => /^ENTRYPOINT /i.test(l))) problems.push('no ENTRYPOINT');
  if (runtime.some((l) => /^RUN .*npm (install|ci)/.test(l))) problems.push('runtime stage installs packages');
  for (const l of lines.filter((x) => /^COPY /i.test(x) && !/--from=/.test(x))) {
    const parts = l.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
    for (const src of parts.slice(0, -1)) if (!existsSync(join(repoRoot, src))) problems.push(`COPY source ${src} does not exist`);
  }
  return problems;
}

function healthcheckExit(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [healthcheck], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
    child.on('exit', (code) => resolve(code));
  });
}

export async function imageChecks(results) {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  results.check('Dockerfile: stages, non-root, HEALTHCHECK, COPY sources', dockerfileProblems(dockerfile));
  results.check('self-test: Dockerfile check detects a root runtime', dockerfileProblems(dockerfile.replace(/^USER .*$/m, 'USER root')).length > 0 ? [] : ['not detected']);
  const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
  results.check('.dockerignore keeps node_modules, dist, .git and .env out', ['node_modules', 'dist', '.git', '.env'].filter((p) => !ignore.split('\n').some((l) => l.replace('**/', '') === p)).map((p) => `${p} not ignored`));

  // Entrypoint: each command runs its own main (stand-ins that print their path).
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-entry-'));
  try {
    const mains = {
      gateway: 'dist/apps/gateway/src/main.js',
      'admin-api': 'dist/apps/admin-api/src/main.js',
      'audit-service': 'dist/apps/audit-service/src/main.js',
      gatehouse: 'dist/apps/gatehouse/src/main.js',
      'db:migrate': 'dist/tools/db-migrate.js',
      cli: 'dist/apps/cli/src/main.js',
      'fixture-upstream': 'dist/libs/testing/src/fixtures/fixture-upstream.main.js',
    };
    for (const file of Object.values(mains)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), `console.log(${JSON.stringify(file)})`);
    }
    const problems = [];
    for (const [command, file] of Object.entries(mains)) {
      const r = exec('sh', [entrypoint, command], { env: { ...process.env, GATEHOUSE_APP_ROOT: root } });
      if (r.status !== 0 || r.stdout.trim() !== file) problems.push(`${command}: ran "${r.stdout.trim()}" (exit ${r.status}), expected ${file}`);
    }
    const unknown = exec('sh', [entrypoint, 'gatewya'], { env: { ...process.env, GATEHOUSE_APP_ROOT: root } });
    if (unknown.status !== 64) problems.push(`unknown command exits ${unknown.status}, expected 64`);
    rmSync(join(root, mains.gateway));
    const missing = exec('sh', [entrypoint, 'gateway'], { env: { ...process.env, GATEHOUSE_APP_ROOT: root } });
    if (missing.status !== 70) problems.push(`missing main exits ${missing.status}, expected 70`);
    results.check('entrypoint: commands map to the built mains; unknown and missing fail', problems);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  // Which mains the build has produced (informational: some apps may still be in progress).
  const built = Object.entries({ gateway: 'apps/gateway', 'admin-api': 'apps/admin-api', 'audit-service': 'apps/audit-service' })
    .filter(([, dir]) => !existsSync(join(repoRoot, 'dist', dir, 'src/main.js')))
    .map(([name]) => name);
  if (built.length > 0) console.log(`  note  dist/ has no main yet for: ${built.join(', ')} (run npm run build; the image needs them)`);

  // HEALTHCHECK script: 200 -> 0, 503 -> 1, nothing listening -> 1.
  let status = 200;
  const server = createServer((req, res) => { res.statusCode = req.url === '/healthz' ? status : 404; res.end(); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = String(server.address().port);
  try {
    const ok = await healthcheckExit({ HEALTHCHECK_PORT: port });
    status = 503;
    const sick = await healthcheckExit({ HEALTHCHECK_PORT: port });
    status = 200;
    const viaAppPort = await healthcheckExit({ ADMIN_API_PORT: port, GATEWAY_PORT: '1', AUDIT_SERVICE_PORT: '1' });
    server.close();
    const closed = await healthcheckExit({ HEALTHCHECK_PORT: port });
    results.check('healthcheck.mjs: 200 healthy, 503 and closed port unhealthy, app ports probed', [
      ok !== 0 && `200 gave exit ${ok}`,
      sick !== 1 && `503 gave exit ${sick}`,
      viaAppPort !== 0 && `admin-api port not probed (exit ${viaAppPort})`,
      closed !== 1 && `closed port gave exit ${closed}`,
    ].filter(Boolean));
  } finally {
    server.close();
  }
}
