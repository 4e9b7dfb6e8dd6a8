module.exports = {
  displayName: 'authorization-server',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
};
