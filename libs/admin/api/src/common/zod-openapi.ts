import { z } from 'zod';

/**
 * The JSON Schema (2020-12, the dialect of OpenAPI 3.1) of a zod DTO, for Swagger. Input
 * shapes: defaults make fields optional, as a client sees them.
 */
export function openApiSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  delete json['$schema'];
  return json;
}
