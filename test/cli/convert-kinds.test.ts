/**
 * `medibus convert` on files of the other kinds: a .dcm object and a .csv export are read as
 * their sources would hand them on. A .dcm goes through the shipped dicom-imagingstudy mapping;
 * a .csv that no mapping reads is printed as its payloads, and stderr says why.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as convert } from '../../src/cli/commands/convert.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await convert(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: ROOT });
  return { code, out, err };
}

describe('medibus convert, other kinds', () => {
  it('a .dcm file: the shipped dicom-imagingstudy mapping prints its Bundle, and nothing of the pixel data', async () => {
    const { code, out, err } = await cli(['fixtures/dicom/pydicom__CT_small.dcm']);
    expect(code).toBe(0);
    expect(err).toBe('');
    const bundle = JSON.parse(out) as { resourceType: string; entry: { resource: Record<string, unknown> }[] };
    expect(bundle.resourceType).toBe('Bundle');
    const study = bundle.entry.map((e) => e.resource).find((r) => r['resourceType'] === 'ImagingStudy') as
      | { identifier: { system: string; value: string }[]; series: { modality: { code: string }; instance: { uid: string }[] }[] }
      | undefined;
    expect(study?.identifier[0]?.system).toBe('urn:dicom:uid');
    expect(study?.series[0]?.modality.code).toBe('CT');
    expect(study?.series[0]?.instance.map((i) => i.uid)).toEqual(['1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322']);
    expect(bundle.entry.map((e) => e.resource['resourceType']).sort()).toEqual(['ImagingStudy', 'Patient']);
    expect(out.length).toBeLessThan(20_000);
  });

  it('a .csv file: one payload per row, and each unreadable row with its line (exit 1)', async () => {
    const { code, out, err } = await cli(['fixtures/csv/bad-rows.csv']);
    expect(code).toBe(1);
    const sha256 = createHash('sha256').update(readFileSync(path.join(ROOT, 'fixtures/csv/bad-rows.csv'))).digest('hex');
    const printed = out.split(/\n(?=\{)/).map((text) => JSON.parse(text) as { sha256: string; rows: { line: number; columns: Record<string, string> }[] });
    expect(printed.map((p) => [p.sha256, p.rows[0]!.line, p.rows[0]!.columns['Id']])).toEqual([
      [sha256, 2, 'p-1'],
      [sha256, 4, 'p-3'],
      [sha256, 7, 'p-5'],
    ]);
    expect(err).toMatch(/^medibus convert: fixtures\/csv\/bad-rows\.csv: bad-rows\.csv:3: MEDIBUS_ERR_CSV_ROW: /m);
    expect(err).toMatch(/^medibus convert: fixtures\/csv\/bad-rows\.csv: bad-rows\.csv:6: MEDIBUS_ERR_CSV_ROW: /m);
  });

  it('--kind reads a file as that kind whatever its name, and says when it is not', async () => {
    const { code, err } = await cli(['--kind', 'dicom', 'fixtures/csv/bad-rows.csv']);
    expect(code).toBe(1);
    expect(err).toMatch(/^medibus convert: fixtures\/csv\/bad-rows\.csv: MEDIBUS_ERR_DICOM_NOT_DICOM: /);
    const usage = await cli(['--kind', 'astm', 'x.txt']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--kind needs one of hl7v2, dicom, csv');
  });
});
