module.exports = {
  displayName: 'audit-worker',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  // The pipeline test pushes 10,000+ events through real Redis and Postgres.
  testTimeout: 60000,
};
