import type { CliIo } from './cli-io';

export type Row = Record<string, unknown>;

/** A column of a human table: the field to read (dotted for nested) and its header. */
export interface Column {
  header: string;
  value: (row: Row) => unknown;
}

export function col(header: string, field: string = header): Column {
  return { header, value: (row) => row[field] };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s+/g, ' ');
}

/** A plain aligned table: readable in a terminal, greppable, no colours to strip. */
export function renderTable(rows: Row[], columns: Column[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const widths = columns.map((c, i) =>
    Math.min(60, Math.max(c.header.length, ...cells.map((r) => r[i]?.length ?? 0))),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (v.length > (widths[i] ?? 0) ? v.slice(0, (widths[i] ?? 1) - 1) + '…' : v))
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ');
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

/** One record as `key: value` lines. */
export function renderRecord(row: Row): string {
  const width = Math.max(...Object.keys(row).map((k) => k.length));
  return (
    Object.entries(row)
      .map(([key, value]) => `${(key + ':').padEnd(width + 1)} ${cell(value)}`)
      .join('\n') + '\n'
  );
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}
