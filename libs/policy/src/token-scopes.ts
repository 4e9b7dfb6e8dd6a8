import { compileGlob, type CompiledGlob } from './glob';

export const CALL_SCOPE = 'mcp:call';
const UPSTREAM_PREFIX = 'upstream:';
const TOOL_PREFIX = 'tool:';

/**
 * Token scopes only ever narrow what the policy allows: `mcp:call` is required; when a token
 * lists `upstream:<slug>` scopes the upstream must be one of them; when it lists
 * `tool:<slug>__<tool>` scopes (globs allowed) the prefixed tool name must match one of them.
 */
export function scopesPermit(
  scopes: readonly string[],
  upstream: string,
  toolName: string,
): boolean {
  return explainScopeDenial(scopes, upstream, toolName) === undefined;
}

/** Undefined when the scopes permit the call, else why not (for a decision's reason). */
export function explainScopeDenial(
  scopes: readonly string[],
  upstream: string,
  toolName: string,
): string | undefined {
  let hasCall = false;
  let upstreamListed: boolean | undefined;
  let toolListed: boolean | undefined;
  const prefixedTool = `${upstream}__${toolName}`;
  for (const scope of scopes) {
    if (scope === CALL_SCOPE) hasCall = true;
    else if (scope.startsWith(UPSTREAM_PREFIX)) {
      upstreamListed ||= scope.slice(UPSTREAM_PREFIX.length) === upstream;
    } else if (scope.startsWith(TOOL_PREFIX)) {
      toolListed ||= scopeGlob(scope.slice(TOOL_PREFIX.length)).matches(prefixedTool);
    }
  }
  if (!hasCall) return `token scope: the token lacks the '${CALL_SCOPE}' scope`;
  if (upstreamListed === false) {
    return `token scope: upstream '${upstream}' is not among the token's upstream scopes`;
  }
  if (toolListed === false) {
    return `token scope: tool '${prefixedTool}' is not among the token's tool scopes`;
  }
  return undefined;
}

/* Tokens are few and their scopes rarely change, so compiled scope globs are memoised; the cache
   is bounded because scopes come from requests. */
const MAX_CACHED_GLOBS = 1000;
const globCache = new Map<string, CompiledGlob>();

function scopeGlob(glob: string): CompiledGlob {
  let compiled = globCache.get(glob);
  if (compiled === undefined) {
    if (globCache.size >= MAX_CACHED_GLOBS) globCache.clear();
    compiled = compileGlob(glob);
    globCache.set(glob, compiled);
  }
  return compiled;
}
