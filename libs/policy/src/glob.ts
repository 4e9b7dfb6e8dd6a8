/**
 * Globs in policy rules and token scopes know two wildcards: `*` (any run of characters, also
 * none) and `?` (exactly one character). Everything else is literal and the whole string must
 * match. They are compiled to a RegExp once, when a policy is compiled, never per decision.
 */
export interface CompiledGlob {
  readonly source: string;
  /** True when the glob has no wildcard, so it can be looked up in a Map instead of tested. */
  readonly isLiteral: boolean;
  matches(value: string): boolean;
}

const REGEXP_SPECIAL = /[.+^${}()|[\]\\/-]/g;

export function isLiteralGlob(glob: string): boolean {
  return !glob.includes('*') && !glob.includes('?');
}

export function globToRegExp(glob: string, options: { caseInsensitive?: boolean } = {}): RegExp {
  let pattern = '';
  for (const char of glob) {
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    else pattern += char.replace(REGEXP_SPECIAL, '\\$&');
  }
  return new RegExp(`^${pattern}$`, options.caseInsensitive ? 'is' : 's');
}

export function compileGlob(
  glob: string,
  options: { caseInsensitive?: boolean } = {},
): CompiledGlob {
  const isLiteral = isLiteralGlob(glob);
  if (glob === '*') return { source: glob, isLiteral, matches: () => true };
  if (!options.caseInsensitive) {
    const simple = simpleMatcher(glob);
    if (simple) return { source: glob, isLiteral, matches: simple };
  }
  const regexp = globToRegExp(glob, options);
  return { source: glob, isLiteral, matches: (value) => regexp.test(value) };
}

/** Literal, `prefix*`, `*suffix` and `*infix*` globs need no RegExp (they are most globs). */
function simpleMatcher(glob: string): ((value: string) => boolean) | undefined {
  if (glob.includes('?')) return undefined;
  const inner = glob.slice(1, -1);
  const stars = glob.split('*').length - 1;
  if (stars === 0) return (value) => value === glob;
  if (stars === 1 && glob.endsWith('*')) {
    const prefix = glob.slice(0, -1);
    return (value) => value.startsWith(prefix);
  }
  if (stars === 1 && glob.startsWith('*')) {
    const suffix = glob.slice(1);
    return (value) => value.endsWith(suffix);
  }
  if (stars === 2 && glob.startsWith('*') && glob.endsWith('*')) {
    return (value) => value.includes(inner);
  }
  return undefined;
}
