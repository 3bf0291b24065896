import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, METRIC_NAMES } from './catalogue.js';
import { DEFINITIONS_COMMAND, renderDefinitions } from './definitions.js';
import { loadSavingsModel } from './savings-model.js';

const definitions = readFileSync(new URL('./DEFINITIONS.md', import.meta.url), 'utf8');
const generated = renderDefinitions(loadSavingsModel().model);

describe('DEFINITIONS.md', () => {
  it('is the text generated from the catalogue and the savings model', () => {
    // A stale file fails here: the catalogue or the savings model changed after it was generated.
    if (definitions !== generated) {
      expect.fail(`server/metrics/DEFINITIONS.md is out of date: run ${DEFINITIONS_COMMAND}`);
    }
  });

  it('states every metric definition exactly as the catalogue serves it', () => {
    for (const name of METRIC_NAMES) {
      expect(generated, name).toContain(`## \`${name}\``);
      expect(generated, name).toContain(CATALOGUE[name].description);
    }
  });

  it('documents every saving type of the savings model with its source', () => {
    for (const item of loadSavingsModel().model.items) {
      expect(generated).toContain(`\`${item.id}\``);
      expect(generated).toContain(item.source);
    }
  });
});
