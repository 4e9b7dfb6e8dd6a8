import type { AuditEvent } from '@gatehouse/data-access';
import { stringify } from 'csv-stringify';
import { pipeline, Readable } from 'node:stream';
import { AUDIT_CSV_COLUMNS, auditCsvRecord, auditEventView } from './audit-event.view';

/** NDJSON lines are sent in chunks of about this many bytes (fewer, larger writes). */
const NDJSON_CHUNK = 64 * 1024;

/**
 * Export streams pull from the repository's batched async generator only as fast as the client
 * reads (Readable.from honours backpressure), so memory stays bounded by one batch and one chunk
 * whatever the number of rows.
 */
export function ndjsonExport(events: AsyncIterable<AuditEvent>): Readable {
  return Readable.from(ndjsonChunks(events), { objectMode: false });
}

async function* ndjsonChunks(events: AsyncIterable<AuditEvent>): AsyncGenerator<string> {
  let chunk = '';
  for await (const event of events) {
    chunk += JSON.stringify(auditEventView(event)) + '\n';
    if (chunk.length >= NDJSON_CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/**
 * RFC 4180 CSV via csv-stringify (quotes, doubled quotes, embedded newlines), with a header row.
 * `escape_formulas` defuses cells an agent could have made look like spreadsheet formulas.
 */
export function csvExport(events: AsyncIterable<AuditEvent>): Readable {
  const records = Readable.from(csvRecords(events));
  const csv = stringify({
    header: true,
    columns: [...AUDIT_CSV_COLUMNS],
    escape_formulas: true,
    record_delimiter: 'windows',
  });
  // An error while reading rows destroys the response stream: a broken export never looks whole.
  return pipeline(records, csv, () => undefined);
}

async function* csvRecords(events: AsyncIterable<AuditEvent>): AsyncGenerator<unknown[]> {
  for await (const event of events) yield auditCsvRecord(auditEventView(event));
}
