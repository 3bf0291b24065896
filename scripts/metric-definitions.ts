/**
 * npm run docs:metrics [-- --check]
 *
 * Writes server/metrics/DEFINITIONS.md from the metric catalogue (server/metrics/catalogue-data.ts)
 * and the savings model. With --check it writes nothing and exits 1 when the file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderDefinitions } from '../server/metrics/definitions.js';
import { loadSavingsModel } from '../server/metrics/savings-model.js';

const path = fileURLToPath(new URL('../server/metrics/DEFINITIONS.md', import.meta.url));
const text = renderDefinitions(loadSavingsModel().model);
let current = '';
try {
  current = readFileSync(path, 'utf8');
} catch {
  // no file yet
}

if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error('server/metrics/DEFINITIONS.md is out of date: run npm run docs:metrics');
    process.exitCode = 1;
  }
} else if (current === text) {
  console.log('server/metrics/DEFINITIONS.md is up to date');
} else {
  writeFileSync(path, text);
  console.log('wrote server/metrics/DEFINITIONS.md');
}
