module.exports = {
  displayName: 'admin-console',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 120_000,
};
