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

/**
 * Every string (and object key) in a parsed JSON value, query or path parameters that Postgres
 * would refuse, with its path. Walks depth-first; stops after `limit` issues.
 */
export function findIllFormedText(
  value: unknown,
  location: InputLocation,
  limit = 20,
): TextIssue[] {
  const issues: TextIssue[] = [];
  const visit = (node: unknown, path: string[]): void => {
    if (issues.length >= limit) return;
    if (typeof node === 'string') {
      const message = textProblem(node);
      if (message) issues.push({ in: location, path: path.join('.'), message });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...path, String(index)]));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, item] of Object.entries(node)) {
      const keyProblem = textProblem(key);
      if (keyProblem) {
        issues.push({ in: location, path: [...path, key].join('.'), message: `key ${keyProblem}` });
      }
      visit(item, [...path, key]);
    }
  };
  visit(value, []);
  return issues;
}
