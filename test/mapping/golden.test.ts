/**
 * Golden bundles for the shipped mappings: a change in what a mapping produces shows up as a
 * diff of a committed file, reviewed like code. Regenerate on purpose with
 *   MEDIBUS_UPDATE_GOLDEN=1 npx vitest run test/mapping/golden.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, mapping, message } from './support.js';

const CASES = [
  { mapping: 'mappings/adt.yaml', input: 'adt-a01', golden: 'adt-a01.bundle.json' },
  { mapping: 'mappings/adt.yaml', input: 'adt-a08-nulls', golden: 'adt-a08-nulls.bundle.json' },
  { mapping: 'oru-groups', input: 'oru-r01-groups', golden: 'oru-r01-groups.bundle.json' },
];

describe('golden bundles', () => {
  for (const c of CASES) {
    it(`${c.mapping} × ${c.input}.hl7 gives ${c.golden}`, async () => {
      const { bundle, warnings } = await (await mapping(c.mapping)).convert(message(c.input), { timezone: 'America/Chicago' });
      const actual = `${JSON.stringify({ bundle, warnings }, null, 2)}\n`;
      const file = path.join(FIXTURES, 'golden', c.golden);
      if (process.env['MEDIBUS_UPDATE_GOLDEN'] === '1') writeFileSync(file, actual);
      expect(existsSync(file), `${c.golden} is missing: MEDIBUS_UPDATE_GOLDEN=1 npx vitest run test/mapping/golden.test.ts`).toBe(true);
      expect(actual).toBe(readFileSync(file, 'utf8'));
    });
  }
});
