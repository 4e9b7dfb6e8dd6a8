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
  if (glob === '*') return { source: glob, isLiteral: false, matches: () => true };
  if (isLiteralGlob(glob) && !options.caseInsensitive) {
    return { source: glob, isLiteral: true, matches: (value) => value === glob };
  }
  const regexp = globToRegExp(glob, options);
  return { source: glob, isLiteral: isLiteralGlob(glob), matches: (value) => regexp.test(value) };
}
