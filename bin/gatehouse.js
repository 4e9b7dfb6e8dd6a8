#!/usr/bin/env node
// The `gatehouse` command (package.json "bin"; `npx gatehouse` in this repository): runs the
// compiled CLI from dist/, or says how to build it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const main = path.join(root, 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(`gatehouse: the CLI is not built yet; run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
require(main);
