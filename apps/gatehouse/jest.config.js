module.exports = {
  displayName: 'gatehouse',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  testTimeout: 60_000,
};
