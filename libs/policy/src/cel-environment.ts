import { Environment } from '@marcbachmann/cel-js';
import { celTimestamp } from './cel-timestamp';
import type { EvaluationInput } from './policy-input';

/*
 * The variables a condition may use. Declared once so that conditions are type-checked when they
 * are saved (unknown variables and fields are errors) and evaluated against the same types.
 * Values of the registered types must be instances of these classes, so an activation is built
 * once per decision and shared by every condition evaluated for it.
 */
class CelIdentity {
  constructor(
    readonly id: string,
    readonly email: string,
    readonly roles: readonly string[],
    readonly scopes: readonly string[],
    readonly tenant: string,
  ) {}
}

class CelSession {
  constructor(
    readonly id: string,
    readonly clientName: string,
    readonly clientVersion: string,
  ) {}
}

class CelTool {
  constructor(
    readonly name: string,
    readonly upstream: string,
    readonly risk: string,
    readonly openWorld: boolean,
    readonly annotations: Readonly<Record<string, unknown>>,
  ) {}
}

export interface CelActivation {
  readonly args: Readonly<Record<string, unknown>>;
  readonly identity: CelIdentity;
  readonly session: CelSession;
  readonly tool: CelTool;
  readonly now: Date;
}

/** Names of the variables a condition can reference, for error messages and docs. */
export const CONDITION_VARIABLES = ['args', 'identity', 'session', 'tool', 'now'] as const;

let environment: Environment | undefined;

/** Building an Environment is costly, so there is one per process, created on first use. */
export function policyCelEnvironment(): Environment {
  environment ??= new Environment({ unlistedVariablesAreDyn: false })
    .registerType('Identity', {
      ctor: CelIdentity,
      fields: {
        id: 'string',
        email: 'string',
        roles: 'list<string>',
        scopes: 'list<string>',
        tenant: 'string',
      },
    })
    .registerType('Session', {
      ctor: CelSession,
      fields: { id: 'string', clientName: 'string', clientVersion: 'string' },
    })
    .registerType('Tool', {
      ctor: CelTool,
      fields: {
        name: 'string',
        upstream: 'string',
        risk: 'string',
        openWorld: 'bool',
        annotations: 'map',
      },
    })
    .registerVariable('args', 'map', { description: 'Arguments of the tool call (JSON object)' })
    .registerVariable('identity', 'Identity', { description: 'The caller' })
    .registerVariable('session', 'Session', { description: 'The MCP session' })
    .registerVariable('tool', 'Tool', { description: 'The called tool and its risk' })
    .registerVariable('now', 'google.protobuf.Timestamp', { description: 'Time of the call' });
  return environment;
}

export function buildActivation(input: EvaluationInput): CelActivation {
  const { identity, session, tool } = input;
  return {
    args: isPlainObject(input.args) ? input.args : {},
    identity: new CelIdentity(
      identity.id,
      identity.email,
      identity.roles,
      identity.scopes,
      identity.tenant,
    ),
    session: new CelSession(session.id, session.clientName ?? '', session.clientVersion ?? ''),
    tool: new CelTool(
      tool.name,
      input.upstream,
      tool.risk.level,
      tool.risk.openWorld,
      tool.annotations ?? {},
    ),
    now: celTimestamp(input.now),
  };
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
