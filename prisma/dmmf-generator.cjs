#!/usr/bin/env node
// A minimal Prisma generator that writes the schema's DMMF (Prisma's own parsed data model) to
// `output` as JSON. The drift test compares it with the live database catalog.
// It speaks Prisma's generator protocol: JSON-RPC requests on stdin, responses on stderr.
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

function respond(id, result) {
  process.stderr.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\n');
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line);
  if (request.method === 'getManifest') {
    respond(request.id, { manifest: { prettyName: 'DMMF JSON', defaultOutput: './dmmf' } });
  } else if (request.method === 'generate') {
    const output = request.params.generator.output.value;
    fs.mkdirSync(output, { recursive: true });
    const datamodel = request.params.dmmf.datamodel;
    fs.writeFileSync(path.join(output, 'dmmf.json'), JSON.stringify(datamodel, null, 2) + '\n');
    respond(request.id, null);
  } else {
    respond(request.id, null);
  }
});
