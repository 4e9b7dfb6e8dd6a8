import {
  specTypeSchemas,
  type DiscoverResult,
  type JSONRPCRequest,
} from '@modelcontextprotocol/client';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';
import { MODERN_PROTOCOL_VERSION, envelopeMeta } from './modern-wire';
import { upstreamErrors, type UpstreamError } from './upstream-error';
import type { UpstreamTarget } from './upstream-types';

/** What an upstream speaks, as far as its answer to `server/discover` tells. */
export type EraVerdict =
  { era: 'modern'; version: string; discover: DiscoverResult } | { era: 'legacy'; reason: string };

/** The normalized answer to the probe, as the HTTP exchange saw it. */
export type ProbeOutcome =
  | { kind: 'result'; result: unknown }
  | { kind: 'rpc-error'; code: number; message: string; data?: unknown }
  | { kind: 'http-error'; status: number; body: string };

const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export function discoverRequest(clientInfo: Implementation): JSONRPCRequest {
  return {
    jsonrpc: '2.0',
    id: 'gatehouse-discover',
    method: 'server/discover',
    params: { _meta: envelopeMeta(MODERN_PROTOCOL_VERSION, clientInfo, {}) },
  };
}

/**
 * Classifies the probe as the v2 client SDK does (its probeClassifier): a valid discover result
 * listing 2026-07-28 is modern; a 4xx with a JSON-RPC error, `-32601`, any other in-band error or
 * an unrecognised answer is legacy; 401/403 and 5xx are errors, never an era (and never cached).
 * A `-32022` naming 2026-07-28 among its supported versions is modern evidence too.
 */
export function classifyProbe(
  target: UpstreamTarget,
  outcome: ProbeOutcome,
): EraVerdict | UpstreamError {
  switch (outcome.kind) {
    case 'result': {
      const parsed = specTypeSchemas.DiscoverResult['~standard'].validate(outcome.result);
      if ('then' in parsed || parsed.issues !== undefined)
        return { era: 'legacy', reason: 'its server/discover result is not a 2026-07-28 one' };
      const discover = parsed.value as DiscoverResult;
      if (!discover.supportedVersions.includes(MODERN_PROTOCOL_VERSION))
        return {
          era: 'legacy',
          reason: `server/discover lists only ${discover.supportedVersions.join(', ')}`,
        };
      return { era: 'modern', version: MODERN_PROTOCOL_VERSION, discover };
    }
    case 'rpc-error':
      return classifyRpcError(target, outcome);
    case 'http-error': {
      if (outcome.status === 401 || outcome.status === 403)
        return upstreamErrors.unauthorized(target.slug, outcome.status);
      if (outcome.status >= 500)
        return upstreamErrors.http(target.slug, outcome.status, outcome.body.slice(0, 300));
      const rpc = parseRpcErrorBody(outcome.body);
      if (rpc) return classifyRpcError(target, rpc);
      return {
        era: 'legacy',
        reason: `it answered server/discover with HTTP ${outcome.status}`,
      };
    }
  }
}

function classifyRpcError(
  target: UpstreamTarget,
  error: { code: number; message: string; data?: unknown },
): EraVerdict | UpstreamError {
  if (error.code === UNSUPPORTED_PROTOCOL_VERSION) {
    const supported = (error.data as { supported?: unknown } | undefined)?.supported;
    if (Array.isArray(supported) && supported.includes(MODERN_PROTOCOL_VERSION)) {
      // It speaks 2026-07-28 but refused the probe's version: a modern upstream with no
      // advertisement; treat as modern with empty capabilities until a later probe fills them.
      return {
        era: 'modern',
        version: MODERN_PROTOCOL_VERSION,
        discover: { supportedVersions: supported.map(String), capabilities: {} } as DiscoverResult,
      };
    }
    if (Array.isArray(supported) && supported.some((v) => String(v) >= '2026'))
      return upstreamErrors.protocol(
        target.slug,
        `it supports only protocol versions Gatehouse does not speak (${supported.join(', ')})`,
      );
  }
  return {
    era: 'legacy',
    reason: `it answered server/discover with JSON-RPC error ${error.code} (${error.message.slice(0, 120)})`,
  };
}

function parseRpcErrorBody(
  body: string,
): { code: number; message: string; data?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body) as {
      error?: { code?: unknown; message?: unknown; data?: unknown };
    };
    if (typeof parsed.error?.code !== 'number') return undefined;
    return {
      code: parsed.error.code,
      message: typeof parsed.error.message === 'string' ? parsed.error.message : '',
      data: parsed.error.data,
    };
  } catch {
    return undefined;
  }
}
