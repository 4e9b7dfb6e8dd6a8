import {
  AuditEventRepository,
  type AuditEventInput,
  type PrismaClient,
} from '@gatehouse/data-access';

/** A batch store that can also take validated v1 events as the JSON text they arrived in. */
export interface AuditPayloadStore {
  createMany(rows: AuditEventInput[]): Promise<number>;
  /**
   * Same contract as createMany, for stream payloads that parseAuditEventJson accepted: their
   * keys are the recordset's column names, so the batch goes to Postgres as the payloads
   * joined into one JSON array, with no row objects and no second JSON.stringify. Keys the
   * schema does not know are ignored (as zod strips them).
   */
  createManyFromPayloads(payloads: string[]): Promise<number>;
}

/**
 * Same contract as AuditEventRepository.createMany (insert, skip ids already stored, return
 * how many rows are new, add the new rows to the hourly rollup in the same statement), taking
 * the stream payloads as they are: AuditEventRepository.createManyFromJson of the payloads
 * joined into one JSON array. See docs/benchmarks-audit.md.
 */
export function recordsetAuditStore(prisma: PrismaClient): AuditPayloadStore {
  const events = new AuditEventRepository(prisma);
  return {
    createMany: (rows) => events.createMany(rows),
    createManyFromPayloads: (payloads) =>
      payloads.length === 0
        ? Promise.resolve(0)
        : events.createManyFromJson(`[${payloads.join(',')}]`),
  };
}
