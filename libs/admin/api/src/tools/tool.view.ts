import type { JsonValue, ToolPin, Upstream } from '@gatehouse/data-access';
import { deriveToolRisk, RiskLevelSchema, type RiskLevel, type ToolRisk } from '@gatehouse/policy';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';

/** A pinned tool as the API shows it (the definition itself stays out of lists). */
export interface ToolView {
  id: string;
  upstreamId: string;
  upstream: string;
  name: string;
  /** Effective risk: the admin's override, else derived from (trusted) annotations. */
  risk: ToolRisk;
  riskOverride: RiskLevel | null;
  pin: 'pinned' | 'changed';
  firstSeenAt: string;
  changedAt: string | null;
  acceptedAt: string | null;
  acceptedBy: string | null;
}

export function toolView(pin: ToolPin, upstream: Upstream): ToolView {
  const override = RiskLevelSchema.safeParse(pin.riskOverride);
  return {
    id: pin.id,
    upstreamId: pin.upstreamId,
    upstream: upstream.slug,
    name: pin.toolName,
    risk: deriveToolRisk({
      annotations: annotationsOfDefinition(pin.definition),
      annotationsTrusted: upstream.annotationsTrusted,
      ...(override.success ? { override: override.data } : {}),
    }),
    riskOverride: override.success ? override.data : null,
    pin: pin.status,
    firstSeenAt: pin.firstSeenAt.toISOString(),
    changedAt: pin.changedAt?.toISOString() ?? null,
    acceptedAt: pin.acceptedAt?.toISOString() ?? null,
    acceptedBy: pin.acceptedBy,
  };
}

/** The `annotations` of a pinned MCP tool definition, when it has an object there. */
export function annotationsOfDefinition(definition: JsonValue): ToolAnnotations | undefined {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    return undefined;
  }
  const annotations = (definition as Record<string, JsonValue | undefined>)['annotations'];
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) {
    return undefined;
  }
  return annotations as ToolAnnotations;
}
