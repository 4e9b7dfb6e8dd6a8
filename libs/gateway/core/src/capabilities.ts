import type { UpstreamSessionState } from '@gatehouse/session-store';
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';

/**
 * What the gateway offers a client: the union of what its upstreams offer. Only the features
 * the gateway relays are passed on (not, for example, experimental ones it cannot route).
 */
export function unionCapabilities(states: UpstreamSessionState[]): ServerCapabilities {
  const result: ServerCapabilities = {};
  for (const { capabilities: c } of states) {
    if (c.tools)
      result.tools = { listChanged: Boolean(result.tools?.listChanged || c.tools.listChanged) };
    if (c.prompts)
      result.prompts = {
        listChanged: Boolean(result.prompts?.listChanged || c.prompts.listChanged),
      };
    if (c.resources) {
      result.resources = {
        subscribe: Boolean(result.resources?.subscribe || c.resources.subscribe),
        listChanged: Boolean(result.resources?.listChanged || c.resources.listChanged),
      };
    }
    if (c.logging) result.logging = {};
    if (c.completions) result.completions = {};
  }
  return result;
}

export function combinedInstructions(
  states: Record<string, UpstreamSessionState>,
): string | undefined {
  const parts = Object.entries(states)
    .filter(([, s]) => s.instructions)
    .map(([slug, s]) => `## ${slug}\n${s.instructions ?? ''}`);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}
