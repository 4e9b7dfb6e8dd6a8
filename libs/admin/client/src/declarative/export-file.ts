import { stringify } from 'yaml';
import type { CurrentPolicy, CurrentTenant, CurrentUpstream } from './current-state';

export const SCHEMA_COMMENT = '# yaml-language-server: $schema=gatehouse.schema.json';

function exportUpstream(u: CurrentUpstream): Record<string, unknown> {
  return {
    slug: u.slug,
    ...(u.name !== u.slug ? { name: u.name } : {}),
    url: u.url,
    ...(u.enabled ? {} : { enabled: false }),
    ...(u.authMode !== 'shared' ? { authMode: u.authMode } : {}),
    ...(u.annotationsTrusted ? { annotationsTrusted: true } : {}),
    ...(u.timeoutMs !== null ? { timeoutMs: u.timeoutMs } : {}),
  };
}

function exportPolicy(p: CurrentPolicy): Record<string, unknown> {
  const targets = { upstream: '*', tool: '*', ...p.targets };
  const defaultTargets = targets.upstream === '*' && targets.tool === '*' && !('risk' in p.targets);
  return {
    name: p.name,
    ...(p.description ? { description: p.description } : {}),
    effect: p.effect,
    subjects: p.subjects,
    ...(defaultTargets ? {} : { targets }),
    ...(p.condition ? { condition: p.condition } : {}),
    ...(p.priority ? { priority: p.priority } : {}),
    ...(p.enabled ? {} : { enabled: false }),
  };
}

/**
 * The installation as a gatehouse.yaml that `apply` leaves unchanged: active tenants and people,
 * defaults left out. Credentials are never readable through the API, so upstreams that have them
 * get a comment instead: add `credentials:` with env/file references to manage them in the file.
 */
export function exportGatehouseFile(tenants: CurrentTenant[]): string {
  const active = tenants.filter((t) => t.status === 'active');
  const withCredentials = active.flatMap((t) =>
    t.upstreams.filter((u) => u.hasCredentials).map((u) => `${t.slug}/${u.slug}`),
  );
  const file = {
    version: 1,
    tenants: active.map((t) => ({
      slug: t.slug,
      name: t.name,
      ...(Object.keys(t.settings).length > 0 ? { settings: t.settings } : {}),
      upstreams: t.upstreams.map(exportUpstream),
      people: t.people
        .filter((p) => p.status === 'active')
        .map((p) => ({ email: p.email, name: p.name, roles: p.roles })),
      policies: t.policies.map(exportPolicy),
    })),
  };
  const header = [
    SCHEMA_COMMENT,
    '# Exported by `gatehouse export`; apply with `gatehouse apply -f <file>`.',
  ];
  if (withCredentials.length > 0)
    header.push(
      `# Credentials are set outside this file for: ${withCredentials.join(', ')}.`,
      '# To manage them here, add e.g. `credentials: { bearerToken: { env: DOCS_TOKEN } }`.',
    );
  return header.join('\n') + '\n' + stringify(file, { lineWidth: 100 });
}
