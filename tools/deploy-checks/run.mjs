// Deployment checks (no cluster, no docker engine needed): `node tools/deploy-checks/run.mjs`.
// Helm chart (lint, template, Kubernetes schemas, security rules, refused values), compose stack
// (compose-spec schema, structure), Dockerfile and entrypoint. Exits 1 if any check fails.
import { composeChecks } from './compose-checks.mjs';
import { helmChecks } from './helm-checks.mjs';
import { imageChecks } from './image-checks.mjs';
import { Results } from './lib.mjs';
import { selfTest } from './self-test.mjs';

const started = Date.now();
const results = new Results();
console.log('== deploy checks: rule self-test');
selfTest(results);
console.log('== deploy checks: helm chart');
await results.run('helm chart checks ran', async () => { await helmChecks(results); });
console.log('== deploy checks: docker compose');
await results.run('compose checks ran', () => composeChecks(results));
console.log('== deploy checks: image');
await results.run('image checks ran', () => imageChecks(results));
console.log(`deploy-checks: ${results.passed} passed, ${results.failed.length} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(results.failed.length === 0 ? 0 : 1);
