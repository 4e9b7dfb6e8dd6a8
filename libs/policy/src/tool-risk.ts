import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export const RISK_LEVELS = ['read_only', 'write', 'destructive'] as const;
export const RiskLevelSchema = z.enum(RISK_LEVELS);
export type RiskLevel = z.infer<typeof RiskLevelSchema>;

export interface ToolRisk {
  readonly level: RiskLevel;
  readonly openWorld: boolean;
  /** Where the level came from: an admin's override, the upstream's annotations, or neither. */
  readonly source: 'override' | 'annotations' | 'default';
}

export interface ToolRiskInput {
  readonly annotations?: ToolAnnotations | undefined;
  /** Set per upstream by an admin: annotations of an untrusted upstream are ignored. */
  readonly annotationsTrusted: boolean;
  /** Set per tool by an admin; wins over the annotations. */
  readonly override?: RiskLevel | undefined;
}

/**
 * MCP annotations are hints from the upstream, so they only lower the risk when the admin has
 * said the upstream's annotations can be trusted. Missing or untrusted annotations mean the worst
 * case: destructive and open-world. `idempotentHint` does not change the level (an idempotent
 * write is still a write).
 */
export function deriveToolRisk(input: ToolRiskInput): ToolRisk {
  const trusted = input.annotationsTrusted ? input.annotations : undefined;
  const openWorld = trusted?.openWorldHint ?? true;
  if (input.override !== undefined) {
    return { level: input.override, openWorld, source: 'override' };
  }
  if (trusted === undefined) return { level: 'destructive', openWorld, source: 'default' };
  return { level: levelFromAnnotations(trusted), openWorld, source: 'annotations' };
}

function levelFromAnnotations(annotations: ToolAnnotations): RiskLevel {
  if (annotations.readOnlyHint === true) return 'read_only';
  if (annotations.destructiveHint === false) return 'write';
  return 'destructive';
}
