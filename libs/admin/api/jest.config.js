const preset = require('../../../jest.preset.js');

module.exports = {
  displayName: 'admin-api',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  // @fastify/static (Swagger UI) requires content-disposition, which is ESM-only.
  transformIgnorePatterns: preset.transformIgnorePatterns.map((p) =>
    p.replace('|uuid)', '|uuid|content-disposition)'),
  ),
};
