import SwaggerParser from '@apidevtools/swagger-parser';
import { bootstrapIfEmpty } from '@gatehouse/app-kit';
import type { OpenAPIV3_1 } from 'openapi-types';
import { ADMIN_CONTROLLERS } from '../admin-controllers';
import { listAdminRoutes } from '../auth/route-table';
import { startAdminTestEnv, type AdminTestEnv } from '../testing/admin-test-env';

describe('OpenAPI document', () => {
  let env: AdminTestEnv;
  beforeAll(async () => {
    env = await startAdminTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('is valid OpenAPI 3.1 and lists every admin route', async () => {
    const response = await env.call('GET', '/api/docs/json');
    expect(response.status).toBe(200);
    const document = response.body as OpenAPIV3_1.Document;
    expect(document.openapi).toBe('3.1.0');
    await SwaggerParser.validate(structuredClone(document) as OpenAPIV3_1.Document);
    const documented = new Set(
      Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
        Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    for (const route of listAdminRoutes(ADMIN_CONTROLLERS)) {
      expect(documented).toContain(`${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
    expect(document.components?.securitySchemes?.['bearer']).toMatchObject({ scheme: 'bearer' });
  });

  it('serves the Swagger UI', async () => {
    const response = await env.call('GET', '/api/docs');
    expect(response.status).toBe(200);
    expect(String(response.body)).toContain('swagger-ui');
  });

  it('accepts the bootstrap platform-admin token of a fresh installation', async () => {
    const { secret } = await bootstrapIfEmpty(env.runtime);
    expect(secret).toBeDefined();
    const response = await env.call('GET', '/api/v1/tenants', secret);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ items: [{ slug: 'default' }] });
  });
});
