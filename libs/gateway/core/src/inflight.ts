import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

interface InflightCall {
  cancel: (reason: string) => Promise<void>;
}

/**
 * Calls this replica is relaying right now, by client session and client request id, so that a
 * `notifications/cancelled` arriving on any replica (relayed over the bus) reaches the holder.
 */
export class InflightRegistry {
  private readonly calls = new Map<string, InflightCall>();

  private key(sessionId: string, requestId: RequestId): string {
    return `${sessionId}\u0000${typeof requestId}:${String(requestId)}`;
  }

  add(sessionId: string, requestId: RequestId, call: InflightCall): () => void {
    const key = this.key(sessionId, requestId);
    this.calls.set(key, call);
    return () => {
      if (this.calls.get(key) === call) this.calls.delete(key);
    };
  }

  async cancel(sessionId: string, requestId: RequestId, reason: string): Promise<boolean> {
    const call = this.calls.get(this.key(sessionId, requestId));
    if (!call) return false;
    this.calls.delete(this.key(sessionId, requestId));
    await call.cancel(reason);
    return true;
  }

  get size(): number {
    return this.calls.size;
  }
}
