module.exports = {
  displayName: 'data-access',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  // Each integration test file creates its own database; PGlite takes a few seconds to start.
  testTimeout: 60000,
};
