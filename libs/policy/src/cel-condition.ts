import { ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import { policyCelEnvironment, type CelActivation } from './cel-environment';

export interface ConditionPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units like the offset. */
  readonly column: number;
  /** 0-based offset into the expression. */
  readonly offset: number;
}

export type ConditionValidation =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string; readonly position?: ConditionPosition };

export interface CompiledCondition {
  readonly source: string;
  /** True or false; throws when the expression fails at run time or does not yield a bool. */
  evaluate(activation: CelActivation): boolean;
}

type ConditionCompilation =
  | { readonly ok: true; readonly condition: CompiledCondition }
  | Extract<ConditionValidation, { ok: false }>;

/**
 * Parses and type-checks a condition against the declared variables (`args`, `identity`,
 * `session`, `tool`, `now`). Unknown variables or fields, syntax errors and results that are not
 * `bool` are rejected with the position of the problem.
 */
export function validateCondition(expression: string): ConditionValidation {
  const compiled = compileCondition(expression);
  return compiled.ok ? { ok: true } : compiled;
}

export function compileCondition(expression: string): ConditionCompilation {
  const environment = policyCelEnvironment();
  let parsed: ReturnType<typeof environment.parse>;
  try {
    parsed = environment.parse(expression);
  } catch (error: unknown) {
    return describeFailure(expression, error);
  }
  const checked = parsed.check();
  if (!checked.valid) return describeFailure(expression, checked.error);
  if (checked.type !== 'bool') {
    return {
      ok: false,
      message:
        `a condition must be a bool, this one is ${checked.type ?? 'of unknown type'}` +
        ` (compare explicitly, for example \`args.dryRun == true\`)`,
      position: positionAt(expression, 0),
    };
  }
  return {
    ok: true,
    condition: {
      source: expression,
      evaluate(activation) {
        const result: unknown = parsed(activation);
        if (typeof result !== 'boolean') {
          throw new Error(`condition yielded ${typeof result}, not a bool`);
        }
        return result;
      },
    },
  };
}

function describeFailure(
  expression: string,
  error: unknown,
): Extract<ConditionValidation, { ok: false }> {
  if (error instanceof ParseError || error instanceof CelTypeError) {
    const offset = error.range?.start ?? error.node?.pos;
    const message = error.summary || error.message;
    return offset === undefined
      ? { ok: false, message }
      : { ok: false, message, position: positionAt(expression, offset) };
  }
  return { ok: false, message: error instanceof Error ? error.message : String(error) };
}

function positionAt(expression: string, offset: number): ConditionPosition {
  const clamped = Math.max(0, Math.min(offset, expression.length));
  const before = expression.slice(0, clamped);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  return { line, column: clamped - lineStart + 1, offset: clamped };
}
