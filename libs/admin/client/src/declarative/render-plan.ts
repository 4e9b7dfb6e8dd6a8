import type { Change } from './plan';

const SIGN = { create: '+', update: '~', delete: '-' } as const;

function value(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

function createdFields(change: Extract<Change, { action: 'create' }>): string {
  const {
    upstreams: _u,
    people: _p,
    policies: _r,
    credentials,
    ...fields
  } = change.entry as unknown as Record<string, unknown>;
  const shown = Object.entries(fields)
    .filter(
      ([k, v]) =>
        v !== undefined &&
        k !== 'slug' &&
        k !== 'email' &&
        !(change.kind === 'policy' && k === 'name'),
    )
    .map(([k, v]) => `${k}: ${value(v)}`);
  if (credentials) shown.push('credentials: (by reference)');
  return shown.join(', ');
}

/** The plan as a person reads it: one block per tenant, `+` create, `~` change, `-` remove. */
export function renderPlan(changes: Change[], prune: boolean): string {
  const lines: string[] = [];
  let tenant: string | undefined;
  for (const change of changes) {
    if (change.tenant !== tenant) {
      tenant = change.tenant;
      lines.push(`tenant ${tenant}`);
    }
    const head = `  ${SIGN[change.action]} ${change.kind} ${change.key}`;
    if (change.action === 'create') lines.push(`${head} (${createdFields(change)})`);
    else if (change.action === 'delete')
      lines.push(`${head}${prune ? '' : '  (not in the file; kept: --prune removes it)'}`);
    else {
      lines.push(head);
      for (const [field, { from, to }] of Object.entries(change.fields))
        lines.push(`      ${field}: ${value(from)} → ${value(to)}`);
    }
  }
  lines.push(summary(changes, prune));
  return lines.join('\n') + '\n';
}

export function summary(changes: Change[], prune: boolean): string {
  const count = (action: Change['action']) => changes.filter((c) => c.action === action).length;
  const [create, update, remove] = [count('create'), count('update'), count('delete')];
  if (create + update + remove === 0) return 'No changes: the installation matches the file.';
  const parts = [`${create} to create`, `${update} to change`];
  parts.push(prune ? `${remove} to remove` : `${remove} not in the file (kept without --prune)`);
  return parts.join(', ') + '.';
}

/** Whether applying would do anything (removals count only with --prune). */
export function hasEffect(changes: Change[], prune: boolean): boolean {
  return changes.some((c) => c.action !== 'delete' || prune);
}
