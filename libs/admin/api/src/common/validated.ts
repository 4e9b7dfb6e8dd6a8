import { Body, Query, type PipeTransform } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { openApiSchemaOf } from './zod-openapi';

/** Parses with a zod schema; a ZodError becomes a 400 naming every bad field (filter). */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    return this.schema.parse(value ?? {});
  }
}

function methodDescriptor(target: object, key: string | symbol | undefined): PropertyDescriptor {
  const descriptor = key === undefined ? undefined : Object.getOwnPropertyDescriptor(target, key);
  if (!descriptor) throw new Error('ValidBody/ValidQuery only decorate method parameters');
  return descriptor;
}

/** `@ValidBody(Schema) body: z.output<typeof Schema>`: validates and documents the body. */
export function ValidBody(schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Body(new ZodValidationPipe(schema))(target, key, index);
    ApiBody({ schema: openApiSchemaOf(schema) })(target, key ?? '', methodDescriptor(target, key));
  };
}

/** `@ValidQuery(Schema) query`: validates the query string and documents each parameter. */
export function ValidQuery(schema: z.ZodObject): ParameterDecorator {
  return (target, key, index) => {
    Query(new ZodValidationPipe(schema))(target, key, index);
    const descriptor = methodDescriptor(target, key);
    for (const [name, field] of Object.entries(schema.shape)) {
      ApiQuery({
        name,
        required: !(field as z.ZodType).safeParse(undefined).success,
        schema: openApiSchemaOf(field as z.ZodType),
      })(target, key ?? '', descriptor);
    }
  };
}
