// Rendered Kubernetes manifests: schema validation with kubernetes-models and Gatehouse's own
// security and operability rules for every pod template.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The kubernetes-models class for an apiVersion/kind, or undefined when none is known. */
function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const candidates = [
    group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`,
    `@kubernetes-models/gateway-api/${group}/${version}/${kind}`,
    `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`,
  ];
  for (const id of candidates) {
    try {
      return require(id)[kind];
    } catch {
      // try the next package
    }
  }
  return undefined;
}

/** Schema problems of one manifest (empty when valid). */
export function schemaProblems(doc) {
  const label = `${doc?.kind ?? '?'}/${doc?.metadata?.name ?? '?'}`;
  if (!doc?.apiVersion || !doc?.kind) return [`${label}: no apiVersion or kind`];
  const Model = modelFor(doc.apiVersion, doc.kind);
  if (!Model) return [`${label}: no schema known for ${doc.apiVersion} ${doc.kind}`];
  try {
    new Model(doc).validate();
    return [];
  } catch (error) {
    return [`${label}: ${error instanceof Error ? error.message.split('\n').slice(0, 6).join(' | ') : error}`];
  }
}

function podSpecOf(doc) {
  if (doc.kind === 'Pod') return doc.spec;
  if (doc.kind === 'CronJob') return doc.spec?.jobTemplate?.spec?.template?.spec;
  return doc.spec?.template?.spec;
}

/** Security rules: no root, no escalation, read-only root fs, no capabilities, limits set. */
export function securityProblems(doc) {
  const spec = podSpecOf(doc);
  if (!spec) return [];
  const label = `${doc.kind}/${doc.metadata?.name}`;
  const problems = [];
  const pod = spec.securityContext ?? {};
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${label}: uses host namespaces`);
  if (spec.automountServiceAccountToken !== false) problems.push(`${label}: automountServiceAccountToken is not false`);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const where = `${label} container ${c.name}`;
    const sc = c.securityContext ?? {};
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    const user = sc.runAsUser ?? pod.runAsUser;
    if (nonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if (user === 0) problems.push(`${where}: runAsUser is 0`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
    if (sc.privileged) problems.push(`${where}: privileged`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: capabilities.drop lacks ALL`);
    if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where}: no seccomp profile`);
    for (const kind of ['cpu', 'memory']) {
      if (!c.resources?.limits?.[kind]) problems.push(`${where}: no ${kind} limit`);
      if (!c.resources?.requests?.[kind]) problems.push(`${where}: no ${kind} request`);
    }
    if (/:latest$/.test(c.image ?? '') || !/[:@]/.test(c.image ?? '')) problems.push(`${where}: image "${c.image}" has no pinned tag`);
  }
  return problems;
}

/** Operability rules for long-running workloads: probes, drain, spread. */
export function operabilityProblems(doc) {
  if (doc.kind !== 'Deployment') return [];
  const label = `Deployment/${doc.metadata?.name}`;
  const spec = doc.spec.template.spec;
  const problems = [];
  for (const c of spec.containers) {
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      if (!c[probe]) problems.push(`${label} container ${c.name}: no ${probe}`);
    }
    if (c.readinessProbe?.httpGet?.path !== '/readyz') problems.push(`${label}: readiness is not /readyz`);
    if (c.livenessProbe?.httpGet?.path !== '/healthz') problems.push(`${label}: liveness is not /healthz`);
  }
  if (doc.metadata?.labels?.['app.kubernetes.io/component'] === 'gateway') {
    if (!spec.containers[0]?.lifecycle?.preStop) problems.push(`${label}: gateway has no preStop drain`);
    if (doc.spec.strategy?.rollingUpdate?.maxUnavailable !== 0) problems.push(`${label}: rolling update may take pods away before new ones are ready`);
  }
  return problems;
}
