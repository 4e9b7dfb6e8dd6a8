module.exports = {
  displayName: 'gateway-adapters',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
