// Fails when prisma/schema.prisma and the database built by prisma/migrations disagree.
// The schema side is Prisma's own DMMF, written by prisma/dmmf-generator.cjs on `prisma generate`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './test-database';

interface DmmfField {
  name: string;
  dbName: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}

const DMMF_FILE = join(__dirname, 'generated', 'dmmf', 'dmmf.json');

// Prisma scalar → information_schema.columns.udt_name (lists are `_<udt>`).
const UDT: Record<string, string[]> = {
  String: ['text', 'uuid', 'varchar'],
  Int: ['int4'],
  BigInt: ['int8'],
  Boolean: ['bool'],
  DateTime: ['timestamptz', 'timestamp'],
  Json: ['jsonb', 'json'],
  Float: ['float8'],
  Decimal: ['numeric'],
};

describe('schema.prisma vs migrated database (drift)', () => {
  let db: TestDatabase;
  let columns: Map<string, { nullable: boolean; udt: string }>;
  let enums: Map<string, string[]>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const rows = await db.prisma.$queryRaw<
      { table_name: string; column_name: string; is_nullable: string; udt_name: string }[]
    >`SELECT table_name::text, column_name::text, is_nullable::text, udt_name::text
        FROM information_schema.columns WHERE table_schema = 'public'`;
    columns = new Map(
      rows.map((r) => [
        `${r.table_name}.${r.column_name}`,
        { nullable: r.is_nullable === 'YES', udt: r.udt_name },
      ]),
    );
    const enumRows = await db.prisma.$queryRaw<{ name: string; values: string[] }[]>`
      SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`;
    enums = new Map(enumRows.map((r) => [r.name, r.values]));
  });

  afterAll(async () => {
    await db.drop();
  });

  function dmmf(): { models: DmmfModel[]; enums: DmmfEnum[] } {
    if (!existsSync(DMMF_FILE)) {
      throw new Error(
        `${DMMF_FILE} is missing: run PRISMA_SCHEMA_ENGINE_BINARY=/bin/true npx prisma generate --schema prisma/schema.prisma`,
      );
    }
    return JSON.parse(readFileSync(DMMF_FILE, 'utf8')) as {
      models: DmmfModel[];
      enums: DmmfEnum[];
    };
  }

  it('maps every model field to a column of a compatible type and nullability', () => {
    const problems: string[] = [];
    const { models, enums: dmmfEnums } = dmmf();
    const enumDbName = new Map(dmmfEnums.map((e) => [e.name, e.dbName ?? e.name]));
    for (const model of models) {
      const table = model.dbName ?? model.name;
      for (const field of model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum')) {
        const key = `${table}.${field.dbName ?? field.name}`;
        const column = columns.get(key);
        if (!column) {
          problems.push(`${model.name}.${field.name}: no column ${key}`);
          continue;
        }
        const base =
          field.kind === 'enum'
            ? [enumDbName.get(field.type) ?? field.type]
            : (UDT[field.type] ?? []);
        const expected = field.isList ? base.map((u) => `_${u}`) : base;
        if (!expected.includes(column.udt)) {
          problems.push(
            `${key}: column type ${column.udt}, schema ${field.type}${field.isList ? '[]' : ''}`,
          );
        }
        // Prisma creates scalar lists as nullable columns, so only non-list fields are compared.
        if (!field.isList && column.nullable === field.isRequired) {
          problems.push(
            `${key}: column ${column.nullable ? 'NULL' : 'NOT NULL'}, schema ${field.isRequired ? 'required' : 'optional'}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has no table or column that the schema does not know', () => {
    const known = new Set(
      dmmf().models.flatMap((m) =>
        m.fields
          .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
          .map((f) => `${m.dbName ?? m.name}.${f.dbName ?? f.name}`),
      ),
    );
    const extra = [...columns.keys()].filter(
      (k) => !k.startsWith('_prisma_migrations.') && !known.has(k),
    );
    expect(extra).toEqual([]);
  });

  it('has the same enum values in the database as in the schema', () => {
    const problems = dmmf()
      .enums.filter((e) => {
        const live = enums.get(e.dbName ?? e.name);
        return JSON.stringify(live) !== JSON.stringify(e.values.map((v) => v.dbName ?? v.name));
      })
      .map((e) => e.name);
    expect(problems).toEqual([]);
  });
});
