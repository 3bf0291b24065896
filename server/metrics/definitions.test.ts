import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, METRIC_NAMES } from './catalogue.js';
import { loadSavingsModel } from './savings-model.js';

const definitions = readFileSync(new URL('./DEFINITIONS.md', import.meta.url), 'utf8');

describe('DEFINITIONS.md', () => {
  it('states every metric definition exactly as the catalogue serves it', () => {
    for (const name of METRIC_NAMES) {
      expect(definitions, name).toContain(`## \`${name}\``);
      expect(definitions, name).toContain(CATALOGUE[name].description);
    }
  });

  it('documents every saving type of the savings model with its source', () => {
    for (const item of loadSavingsModel().model.items) {
      expect(definitions).toContain(`\`${item.id}\``);
      expect(definitions).toContain(item.source);
    }
  });
});
