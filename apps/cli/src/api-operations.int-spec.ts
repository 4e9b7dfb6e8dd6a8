import type { OpenAPIV3_1 } from 'openapi-types';
import { API } from '@gatehouse/admin-client';
import { startCliTestEnv, type CliTestEnv } from './testing/cli-test-env';

/**
 * The CLI's operation table against the admin API's OpenAPI document: a route, query parameter
 * or body field the CLI would send that the document does not have fails here.
 */
describe('the CLI speaks only what the OpenAPI document describes', () => {
  let env: CliTestEnv;
  let document: OpenAPIV3_1.Document;
  beforeAll(async () => {
    env = await startCliTestEnv();
    const response = await fetch(`${env.api.url}/api/docs/json`);
    document = (await response.json()) as OpenAPIV3_1.Document;
  }, 120_000);
  afterAll(async () => {
    await env.close();
  });

  it.each(Object.entries(API))('%s', (_name, operation) => {
    const item = document.paths?.[operation.path];
    expect(item).toBeDefined();
    const documented = item?.[operation.method.toLowerCase() as OpenAPIV3_1.HttpMethods];
    if (!documented)
      throw new Error(`${operation.method} ${operation.path} is not in the document`);
    const parameters = (documented.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
    // The path template itself matched; every parameter the document declares is in it.
    const pathParams = [...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const parameter of parameters.filter((p) => p.in === 'path'))
      expect(pathParams).toContain(parameter.name);
    const queryParams = parameters.filter((p) => p.in === 'query').map((p) => p.name);
    for (const name of 'query' in operation ? operation.query : [])
      expect(queryParams).toContain(name);
    const body = documented.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
    const schema = body?.content['application/json']?.schema as
      OpenAPIV3_1.SchemaObject | undefined;
    const fields = Object.keys(schema?.properties ?? {});
    for (const name of 'body' in operation ? operation.body : []) expect(fields).toContain(name);
  });

  it('would notice a field the document lacks', () => {
    const item = document.paths?.['/api/v1/tenants']?.post;
    const body = item?.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
    const schema = body?.content['application/json']?.schema as
      OpenAPIV3_1.SchemaObject | undefined;
    expect(Object.keys(schema?.properties ?? {})).not.toContain('colour');
    expect(document.paths?.['/api/v1/tenants/{t}/widgets']).toBeUndefined();
  });
});
