// Proves the rule engines can fail: known-bad manifests must be reported.
import { operabilityProblems, schemaProblems, securityProblems } from './k8s-rules.mjs';

const goodContainer = () => ({
  name: 'app',
  image: 'ghcr.io/gatehouse/gatehouse:0.1.0',
  securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '1', memory: '64Mi' } },
  startupProbe: { httpGet: { path: '/healthz', port: 8080 } },
  livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
  readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
});
const deployment = (mutate) => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'probe', labels: { 'app.kubernetes.io/component': 'admin-api' } },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      strategy: { rollingUpdate: { maxUnavailable: 0 } },
      template: { metadata: { labels: { a: 'b' } }, spec: { automountServiceAccountToken: false, containers: [goodContainer()] } },
    },
  };
  mutate(d, d.spec.template.spec.containers[0]);
  return d;
};

export function selfTest(results) {
  const good = deployment(() => {});
  results.check('self-test: a compliant Deployment passes every rule', [...schemaProblems(good), ...securityProblems(good), ...operabilityProblems(good)]);
  const cases = [
    ['schema: replicas is a string', schemaProblems, (d) => { d.spec.replicas = 'two'; }],
    ['schema: container without image name', schemaProblems, (d, c) => { delete c.name; }],
    ['security: runs as root', securityProblems, (d, c) => { c.securityContext.runAsNonRoot = false; }],
    ['security: privilege escalation allowed', securityProblems, (d, c) => { delete c.securityContext.allowPrivilegeEscalation; }],
    ['security: writable root filesystem', securityProblems, (d, c) => { c.securityContext.readOnlyRootFilesystem = false; }],
    ['security: no memory limit', securityProblems, (d, c) => { delete c.resources.limits.memory; }],
    ['security: capabilities kept', securityProblems, (d, c) => { c.securityContext.capabilities.drop = []; }],
    ['security: :latest image', securityProblems, (d, c) => { c.image = 'gatehouse:latest'; }],
    ['operability: no readiness probe', operabilityProblems, (d, c) => { delete c.readinessProbe; }],
    ['operability: gateway without preStop', operabilityProblems, (d) => { d.metadata.labels['app.kubernetes.io/component'] = 'gateway'; }],
  ];
  for (const [name, rule, mutate] of cases) {
    const problems = rule(deployment(mutate));
    results.check(`self-test: detects ${name}`, problems.length > 0 ? [] : ['not detected']);
  }
}
