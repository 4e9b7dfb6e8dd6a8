import { canonicalJson, sha256Hex } from './canonical-json';
import type { InputJsonValue, ToolPin, ToolPinRepository } from '@gatehouse/data-access';
import type { UpstreamConfig } from '@gatehouse/gateway-core';
import { RISK_LEVELS, type RiskLevel } from '@gatehouse/policy';
import type { Logger } from '@gatehouse/telemetry';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

export interface ToolReview {
  /** The definition differs from the pinned one (a "rug pull" until an admin accepts it). */
  changed: boolean;
  riskOverride: RiskLevel | undefined;
}

/**
 * Definitions already hashed. The tool catalog hands out the same objects until an upstream's
 * list changes, so a tools/call (which reviews its tool) does not re-hash on every call.
 */
const hashes = new WeakMap<Tool, string>();

/** Hash of what a model reads of a tool: its name, description and input schema. */
export function toolDefinitionHash(tool: Tool): string {
  let hash = hashes.get(tool);
  if (hash === undefined) {
    hash = sha256Hex(
      canonicalJson({
        name: tool.name,
        description: tool.description ?? '',
        inputSchema: tool.inputSchema,
      }),
    );
    hashes.set(tool, hash);
  }
  return hash;
}

/**
 * Pins every tool definition by hash the first time it is seen, and flags a later change
 * (visible in the admin API; hidden from callers when the tenant says so). The pins of an
 * upstream are cached per replica; the database is written only on first sight or on change.
 */
export class ToolPinning {
  private readonly cache = new Map<string, { at: number; pins: Promise<Map<string, ToolPin>> }>();
  /** The last pins read per upstream: served when a reload fails (Postgres unreachable). */
  private readonly lastGood = new Map<string, Map<string, ToolPin>>();

  constructor(
    private readonly pins: ToolPinRepository,
    private readonly logger: Logger,
    private readonly maxAgeMs = 30_000,
  ) {}

  forget(tenantId: string): void {
    for (const map of [this.cache, this.lastGood])
      for (const key of map.keys()) if (key.startsWith(`${tenantId}\u0000`)) map.delete(key);
  }

  async review(upstream: UpstreamConfig, tools: Tool[]): Promise<Map<string, ToolReview>> {
    const pins = await this.pinsOf(upstream);
    const reviews = new Map<string, ToolReview>();
    for (const tool of tools) {
      const hash = toolDefinitionHash(tool);
      let pin = pins.get(tool.name);
      const sighting = {
        upstreamId: upstream.id,
        toolName: tool.name,
        definitionHash: hash,
        definition: tool as unknown as InputJsonValue,
      };
      try {
        if (!pin) {
          pin = await this.pins.upsertFirstSight(upstream.tenantId, sighting);
          pins.set(tool.name, pin);
        } else if (pin.definitionHash !== hash && pin.pendingHash !== hash) {
          this.logger.warn(
            { tenantId: upstream.tenantId, upstream: upstream.slug, tool: tool.name },
            'tool definition changed since it was pinned',
          );
          pin = (await this.pins.markChanged(upstream.tenantId, sighting)) ?? pin;
          pins.set(tool.name, pin);
        }
      } catch (error) {
        // Pinning must not take tools/list down; the change is retried on the next listing.
        this.logger.error(
          { upstream: upstream.slug, tool: tool.name, err: error },
          'could not record the tool pin',
        );
      }
      const override = pin?.riskOverride;
      reviews.set(tool.name, {
        changed: pin !== undefined && pin.definitionHash !== hash,
        riskOverride: (RISK_LEVELS as readonly string[]).includes(override ?? '')
          ? (override as RiskLevel)
          : undefined,
      });
    }
    return reviews;
  }

  private pinsOf(upstream: UpstreamConfig): Promise<Map<string, ToolPin>> {
    const key = `${upstream.tenantId}\u0000${upstream.id}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.maxAgeMs) return cached.pins;
    const pins = this.pins.listForUpstream(upstream.tenantId, upstream.id).then(
      (rows) => {
        const loaded = new Map(rows.map((r) => [r.toolName, r]));
        this.lastGood.set(key, loaded);
        return loaded;
      },
      (error: unknown) => {
        this.cache.delete(key);
        const fallback = this.lastGood.get(key);
        if (!fallback) throw error;
        this.logger.warn(
          { upstream: upstream.slug, err: error },
          'could not reload the tool pins; reviewing with the last known ones',
        );
        return fallback;
      },
    );
    this.cache.set(key, { at: Date.now(), pins });
    return pins;
  }
}
