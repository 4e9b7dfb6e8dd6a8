module.exports = {
  displayName: 'admin-client',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 60_000,
};
