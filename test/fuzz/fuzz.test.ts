/**
 * The short fuzz run CI affords: 20,000 inputs (the full `npm run fuzz` tries 1,000,000),
 * shared between the readers of untrusted input as the full run shares them, seeded so a
 * failure replays. No reader may throw anything but a MedibusError, every refusal must say
 * where, and the YAML loaders must answer with located diagnostics, never a throw.
 * (Timings are the script's to print, not a test's to assert.)
 */
import { describe, expect, it } from 'vitest';
import { runTarget } from '../../scripts/fuzz/run.js';
import { TARGETS } from '../../scripts/fuzz/targets.js';

const INPUTS = 20_000;
const SEED = 12;
const total = TARGETS.reduce((a, t) => a + t.weight, 0);

describe('fuzz (short run)', () => {
  for (const target of TARGETS) {
    const n = Math.round((INPUTS * target.weight) / total);
    it(`${target.name}: ${n} mutated inputs, no crash, every refusal located`, async () => {
      const stats = await runTarget(target, SEED, 0, n);
      const problems = stats.findings.filter((f) => f.kind !== 'slow').map((f) => `${f.kind} #${f.index}: ${f.what}`);
      expect(problems).toEqual([]);
      expect(stats.tried).toBe(n);
      expect(stats.crashes + stats.breaches + stats.unlocated).toBe(0);
    }, 120_000);
  }
});
