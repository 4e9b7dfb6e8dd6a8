import { canonicalJson, sha256Hex } from './canonical-json';
import { LastGoodCache } from './last-good-cache';
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
  /** Pins per upstream (key: tenant id NUL upstream id), the last good ones kept for an outage. */
  private readonly cache: LastGoodCache<Map<string, ToolPin>>;

  constructor(
    private readonly pins: ToolPinRepository,
    private readonly logger: Logger,
    maxAgeMs = 30_000,
  ) {
    this.cache = new LastGoodCache({
      load: async (key) => {
        const [tenantId = '', upstreamId = ''] = key.split('\u0000');
        const rows = await this.pins.listForUpstream(tenantId, upstreamId);
        return new Map(rows.map((r) => [r.toolName, r]));
      },
      maxAgeMs,
      logger,
      staleWarning: 'could not reload the tool pins; reviewing with the last known ones',
    });
  }

  forget(tenantId: string): void {
    this.cache.deleteWhere((key) => key.startsWith(`${tenantId}\u0000`));
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
    return this.cache.get(`${upstream.tenantId}\u0000${upstream.id}`);
  }
}
