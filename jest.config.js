// Every project folder (under apps/ or libs/) with a jest.config.js takes part in `npm test`.
const fs = require('node:fs');
const path = require('node:path');

function findProjects(dir, depth) {
  if (depth < 0 || !fs.existsSync(dir)) return [];
  if (fs.existsSync(path.join(dir, 'jest.config.js'))) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'node_modules' && e.name !== 'src')
    .flatMap((e) => findProjects(path.join(dir, e.name), depth - 1));
}

module.exports = {
  // Per-project testTimeout is ignored when jest runs several projects; this one applies to all.
  testTimeout: 30_000,
  projects: ['apps', 'libs'].flatMap((d) => findProjects(path.join(__dirname, d), 3)),
};
