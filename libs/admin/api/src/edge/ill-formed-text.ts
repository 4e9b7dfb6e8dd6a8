/** Where in a request a value came from; the path inside it is zod-style (`targets.tool`). */
export type InputLocation = 'path' | 'query' | 'body';

export interface TextIssue {
  in: InputLocation;
  path: string;
  message: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored as Postgres text (or jsonb), or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) {
    return 'must be well-formed Unicode (it contains a lone UTF-16 surrogate)';
  }
  return undefined;
}

interface Visit {
  node: unknown;
  key: string | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit, extra?: string): string {
  const parts: string[] = extra === undefined ? [] : [extra];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) {
    parts.push(at.key);
  }
  return parts.reverse().join('.');
}

/**
 * Every string (and object key) in a parsed JSON value, query or path parameters that Postgres
 * would refuse, with its path. Iterative (a body may nest deeper than the call stack); stops
 * after `limit` issues.
 */
export function findIllFormedText(
  value: unknown,
  location: InputLocation,
  limit = 20,
): TextIssue[] {
  const issues: TextIssue[] = [];
  const pending: Visit[] = [{ node: value, key: undefined, parent: undefined }];
  while (pending.length > 0 && issues.length < limit) {
    const visit = pending.pop() as Visit;
    const { node } = visit;
    if (typeof node === 'string') {
      const message = textProblem(node);
      if (message) issues.push({ in: location, path: pathOf(visit), message });
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) {
        pending.push({ node: node[i], key: String(i), parent: visit });
      }
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      for (const [key] of entries) {
        const keyProblem = textProblem(key);
        if (keyProblem) {
          issues.push({ in: location, path: pathOf(visit, key), message: `key ${keyProblem}` });
        }
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, item] = entries[i] as [string, unknown];
        pending.push({ node: item, key, parent: visit });
      }
    }
  }
  return issues.slice(0, limit);
}
