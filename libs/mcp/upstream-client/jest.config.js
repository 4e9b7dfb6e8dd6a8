module.exports = {
  displayName: 'mcp-upstream-client',
  preset: '../../../jest.preset.js',
  rootDir: __dirname,
};
