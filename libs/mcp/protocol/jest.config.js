module.exports = {
  displayName: 'mcp-protocol',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
