/**
 * Prints the configuration table (Markdown) from the zod schema, or with `--check README.md`
 * fails when the README's table differs from it, so the documentation cannot drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describeConfig } from '../libs/config/src/load-config';

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

export function configTable(): string {
  const rows = describeConfig().map(
    (r) =>
      `| \`${r.name}\` | ${r.default === '' ? '' : `\`${r.default}\``} | ${r.description.replace(/\|/g, '\\|')} |`,
  );
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

function main(): void {
  const [mode, file] = process.argv.slice(2);
  const table = configTable();
  if (!mode) {
    process.stdout.write(`${table}\n`);
    return;
  }
  if (!file) throw new Error('usage: config-docs [--check|--write] README.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${START} ... ${END} block`);
  const updated = `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`;
  if (mode === '--write') {
    writeFileSync(file, updated);
  } else if (updated !== text) {
    process.stderr.write(
      `${file}: the configuration table is out of date; run npm run docs:config -- --write ${file}\n`,
    );
    process.exit(1);
  }
}

main();
