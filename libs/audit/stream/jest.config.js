module.exports = {
  displayName: 'audit-stream',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 30000,
};
