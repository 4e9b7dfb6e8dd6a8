import { randomUUID } from 'node:crypto';
import type { Identity } from '@gatehouse/auth';
import { BusChannels, type Bus } from '@gatehouse/bus';
import type { LimitsRepository } from '@gatehouse/data-access';
import type {
  CallAdmission,
  CallLimiter,
  RequestRefusal,
  ToolCallContext,
} from '@gatehouse/gateway-core';
import {
  deriveToolRisk,
  LimitPlan,
  LimitsDocumentSchema,
  NO_LIMITS,
  type LimitCheck,
} from '@gatehouse/policy';
import type { RedisCallLimiter } from '@gatehouse/session-store';
import { gatehouseMetrics, type Logger } from '@gatehouse/telemetry';
import type { ToolPinning } from './tool-pinning';

const NOTHING_HELD: CallAdmission = { admitted: true, release: () => undefined };
const EMPTY_PLAN = new LimitPlan(NO_LIMITS);
const RETRY_AFTER_FAILURE_MS = 5_000;

interface CachedPlan {
  at: number;
  plan: Promise<LimitPlan>;
}

export interface TenantCallLimiterOptions {
  /** How long a concurrency slot outlives a call whose replica died (ms). */
  leaseMs: number;
  /** How long a tenant's limits are kept before they are read again (a change is announced). */
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * Enforces each tenant's limits document (admin API: /tenants/:t/limits) on tools/call. The
 * compiled document is kept per replica and dropped when the tenant's configuration changes;
 * the counters live in Redis (one script per call), so every replica sees the same counts.
 * A tenant without limits costs no Redis round trip.
 */
export class TenantCallLimiter implements CallLimiter {
  private readonly plans = new Map<string, CachedPlan>();
  private readonly lastGood = new Map<string, LimitPlan>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly now: () => number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly documents: LimitsRepository,
    private readonly counters: RedisCallLimiter,
    private readonly logger: Logger,
    private readonly options: TenantCallLimiterOptions,
    private readonly pinning?: Pick<ToolPinning, 'review'>,
  ) {
    this.now = options.now ?? Date.now;
    this.maxAgeMs = options.maxAgeMs ?? 30_000;
  }

  async listen(bus: Bus): Promise<void> {
    this.unsubscribe = await bus.subscribe(BusChannels.tenantConfigChanged, (message) => {
      const tenantId = (message as { tenantId?: unknown }).tenantId;
      if (typeof tenantId === 'string') this.plans.delete(tenantId);
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  async admit(context: ToolCallContext): Promise<CallAdmission> {
    const { identity } = context;
    const plan = await this.plan(identity.tenantId);
    if (plan.isEmpty) return NOTHING_HELD;
    const now = this.now();
    // The same risk level the policy decided on: an admin's per-tool override wins.
    const review = context.tool
      ? (await this.pinning?.review(context.upstream, [context.tool]))?.get(context.toolName)
      : undefined;
    const risk = deriveToolRisk({
      annotations: context.tool?.annotations,
      annotationsTrusted: context.upstream.annotationsTrusted,
      override: review?.riskOverride,
    }).level;
    const checks = plan.checksFor(
      { ...callerOf(identity), upstream: context.upstream.slug, tool: context.toolName, risk },
      now,
    );
    const counted = await this.count(identity.tenantId, plan, checks, now);
    if (counted.kind === 'admitted') return { admitted: true, release: counted.release };
    if (counted.kind === 'refused') {
      const { message, data } = refusal(counted.check, counted.retryAfterMs, now);
      return {
        admitted: false,
        code: 'rate_limited',
        message: `Tool call refused: ${message}`,
        data,
      };
    }
    return {
      admitted: false,
      code: 'limiter_unavailable',
      message:
        'Tool call refused: rate limits cannot be checked right now and this tenant refuses unchecked calls; retry shortly',
      data: {},
    };
  }

  async admitRequest(identity: Identity): Promise<RequestRefusal | undefined> {
    const plan = await this.plan(identity.tenantId);
    const checks = plan.requestChecksFor(callerOf(identity));
    if (checks.length === 0) return undefined;
    const now = this.now();
    const counted = await this.count(identity.tenantId, plan, checks, now);
    if (counted.kind === 'admitted') return undefined;
    if (counted.kind === 'unavailable') {
      return {
        status: 503,
        message:
          'Service Unavailable: request limits cannot be checked right now and this tenant refuses unchecked requests',
        retryAfterSeconds: 1,
      };
    }
    const { message, data } = refusal(counted.check, counted.retryAfterMs, now);
    return {
      status: 429,
      message: `Too Many Requests: ${message}`,
      retryAfterSeconds: data.retryAfterSeconds,
    };
  }

  /**
   * One round trip to the limiter's Redis, bounded by the tenant's `redisTimeoutMs`; when it
   * does not answer in time the tenant's `onRedisUnavailable` decides.
   */
  private async count(
    tenantId: string,
    plan: LimitPlan,
    checks: LimitCheck[],
    now: number,
  ): Promise<Counted> {
    if (checks.length === 0) return { kind: 'admitted', release: () => undefined };
    const callId = randomUUID();
    const verdict = this.counters.admit(checks, callId, now, now + this.options.leaseMs);
    const release = () => {
      this.counters
        .release(checks, callId)
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not release concurrency slots'),
        );
    };
    const answered = await withTimeout(verdict, plan.document.redisTimeoutMs).catch(
      (error: unknown) => ({ failed: error }),
    );
    if (answered === TIMED_OUT || 'failed' in answered) {
      const choice = plan.document.onRedisUnavailable;
      gatehouseMetrics().limiterUnavailable.add(1, { 'gatehouse.limits.choice': choice });
      this.logger.warn(
        { tenantId, choice, err: answered === TIMED_OUT ? 'timeout' : answered.failed },
        'the limiter Redis did not answer in time',
      );
      // A late admission still holds slots: give them back when it arrives.
      verdict.then((late) => late.admitted && release()).catch(() => undefined);
      return choice === 'allow'
        ? { kind: 'admitted', release: () => undefined }
        : { kind: 'unavailable' };
    }
    if (answered.admitted) return { kind: 'admitted', release };
    return {
      kind: 'refused',
      check: checks[answered.refusedIndex],
      retryAfterMs: answered.retryAfterMs,
    };
  }

  /** The tenant's compiled limits (cached; the last good one if Postgres does not answer). */
  private plan(tenantId: string): Promise<LimitPlan> {
    const cached = this.plans.get(tenantId);
    if (cached && this.now() - cached.at < this.maxAgeMs) return cached.plan;
    const plan = this.documents
      .current(tenantId)
      .then((row) => {
        const compiled = new LimitPlan(row ? LimitsDocumentSchema.parse(row.document) : NO_LIMITS);
        this.lastGood.set(tenantId, compiled);
        return compiled;
      })
      .catch((error: unknown) => {
        // Postgres does not answer: the last limits this replica saw, else none (the policy
        // decision still gates every call; limits must not add an outage of their own).
        this.logger.warn({ err: error, tenantId }, 'could not load the tenant limits');
        const fallback = this.lastGood.get(tenantId) ?? EMPTY_PLAN;
        // Served for a few seconds before Postgres is asked again, not on every request.
        this.plans.set(tenantId, {
          at: this.now() - this.maxAgeMs + RETRY_AFTER_FAILURE_MS,
          plan: Promise.resolve(fallback),
        });
        return fallback;
      });
    this.plans.set(tenantId, { at: this.now(), plan });
    return plan;
  }
}

const TIMED_OUT = Symbol('timed out');

type Counted =
  | { kind: 'admitted'; release: () => void }
  | { kind: 'refused'; check: LimitCheck | undefined; retryAfterMs: number }
  | { kind: 'unavailable' };

function callerOf(identity: Identity) {
  return {
    tenantId: identity.tenantId,
    personId: identity.personId,
    tokenId: identity.tokenId,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Says which limit refused, for whom and when to retry; counts the refusal. */
function refusal(check: LimitCheck | undefined, retryAfterMs: number, now: number) {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const limit = check?.limit ?? 'unknown';
  const kind = check?.kind ?? 'rate';
  gatehouseMetrics().limitRefusals.add(1, {
    'gatehouse.limits.limit': limit,
    'gatehouse.limits.kind': kind,
  });
  const what =
    kind === 'quota' ? 'quota' : kind === 'concurrent' ? 'concurrency limit' : 'rate limit';
  return {
    message: `${what} "${limit}" reached for ${describeScope(check)}; retry in ${retryAfterSeconds} s`,
    data: {
      limit,
      kind,
      scope: check?.scope ?? {},
      retryAfterSeconds,
      retryAt: new Date(now + retryAfterMs).toISOString(),
    },
  };
}

function describeScope(check: LimitCheck | undefined): string {
  const entries = Object.entries(check?.scope ?? {});
  return entries.length === 0 ? 'this call' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}
