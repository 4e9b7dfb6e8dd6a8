const preset = require('../../../jest.preset.js');

module.exports = {
  displayName: 'admin-api',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  // @fastify/static (Swagger UI) requires content-disposition and swagger-parser requires
  // json-schema-ref-parser: both ESM-only.
  transformIgnorePatterns: preset.transformIgnorePatterns.map((p) =>
    p.replace('|uuid)', '|uuid|content-disposition|@apidevtools/json-schema-ref-parser)'),
  ),
};
