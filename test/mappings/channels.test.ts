/**
 * `medibus test` on the example channels (channels/adt-from-his.yaml, lab-results-from-lis.yaml):
 * their tests: blocks pass with the shipped mappings, and an expectation changed in a copy of
 * a channel fails with the expression, expected against actual, and the input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run as test } from '../../src/cli/commands/test.js';
import { ROOT } from './support.js';

async function medibusTest(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await test(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: ROOT });
  return { code, out, err };
}

const temp = mkdtempSync(path.join(tmpdir(), 'medibus-channels-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of a channel in the temp directory, inputs made absolute, with `change` applied to its text. */
function copyChannel(file: string, change: (text: string) => string): void {
  const text = readFileSync(path.join(ROOT, 'channels', file), 'utf8').replaceAll('../fixtures/', path.join(ROOT, 'fixtures/'));
  const changed = change(text);
  expect(changed).not.toBe(text);
  writeFileSync(path.join(temp, file), changed);
}

describe('medibus test on the example channels', () => {
  it('passes every example of both channels', async () => {
    const { code, out, err } = await medibusTest(['--channels', 'channels', '--mappings', 'mappings']);
    expect(err).toBe('');
    expect(out).toBe(
      [
        '✓ adt-from-his › admission with Vietnamese names, three identifiers and the BHYT card (ZPI)',
        '✓ adt-from-his › the same admission from a HIS writing Windows-1258',
        '✓ adt-from-his › a visit from pre-admission to cancellation, one Encounter throughout',
        '✓ lab-results-from-lis › hemoglobin of a complete blood count',
        '✓ lab-results-from-lis › local lab codes, comparators and flags from a Vietnamese LIS',
        '',
        '5 tests: 5 passed, 0 failed',
        '',
      ].join('\n'),
    );
    expect(code).toBe(0);
  });

  it('fails readably when an expectation is changed: the expression, expected against actual, the input', async () => {
    copyChannel('adt-from-his.yaml', (t) => t.replace('equals: Nguyễn }', 'equals: Nguyen }'));
    copyChannel('lab-results-from-lis.yaml', (t) => t.replace('valueQuantity.value", equals: 13.2 }', 'valueQuantity.value", equals: 13.5 }'));
    const { code, out } = await medibusTest(['--channels', temp, '--mappings', 'mappings']);
    expect(code).toBe(1);
    expect(out).toContain(
      [
        '✗ adt-from-his › admission with Vietnamese names, three identifiers and the BHYT card (ZPI)',
        "    Patient.name.where(use = 'official').family",
        '      expected: "Nguyen"',
        '      actual:   "Nguyễn"',
        '    input: fixtures/hl7/edge/adt-a01-vi-utf8.hl7',
      ].join('\n'),
    );
    expect(out).toContain(
      [
        '✗ lab-results-from-lis › hemoglobin of a complete blood count',
        "    Observation.where(code.coding.code = '718-7').valueQuantity.value",
        '      expected: 13.5',
        '      actual:   13.2',
        '    input: fixtures/hl7/oru-r01-30obx.hl7',
      ].join('\n'),
    );
    expect(out).toMatch(/\n5 tests: 3 passed, 2 failed\n$/);
  });
});
