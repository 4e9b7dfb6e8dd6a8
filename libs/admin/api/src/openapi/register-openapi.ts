import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export const OPENAPI_UI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = '/api/docs/json';

/** OpenAPI 3.1, generated from the controllers and zod DTOs: UI at /api/docs, JSON beside it. */
export function registerOpenApi(app: NestFastifyApplication, version: string): void {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Gatehouse admin API')
    .setDescription(
      'Tenants, people, tokens, upstreams and sessions of a Gatehouse MCP gateway. ' +
        'Every route takes a bearer token (gth_... or an OIDC JWT when configured). ' +
        'Errors: { error: { code, message, details?, requestId } }.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer' }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
  });
}
