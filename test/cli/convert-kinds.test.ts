/**
 * `medibus convert` on files of the other kinds: a .dcm object and a .csv export are read as
 * their sources would hand them on and converted with the shipped mapping of their kind; without
 * one (--mappings of a directory that has none) the payload is printed and stderr says why.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, ImagingStudy, Patient } from '@medplum/fhirtypes';
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
  it('a .dcm file: the Bundle of the shipped dicom-imagingstudy mapping', async () => {
    const { code, out, err } = await cli(['fixtures/dicom/pydicom__CT_small.dcm']);
    expect([code, err]).toEqual([0, '']);
    const bundle = JSON.parse(out) as Bundle;
    expect(bundle.identifier).toEqual({ system: 'urn:dicom:uid', value: 'urn:oid:1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322' });
    const study = bundle.entry?.find((e) => e.resource?.resourceType === 'ImagingStudy')?.resource as ImagingStudy;
    expect(study.identifier?.[0]).toEqual({ system: 'urn:dicom:uid', value: 'urn:oid:1.3.6.1.4.1.5962.1.2.1.20040119072730.12322' });
    expect(study.series?.[0]?.instance?.[0]?.uid).toBe('1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322');
  });

  it('a Synthea .csv file: one Bundle per row, with the mapping whose columns: the header has', async () => {
    const { code, out, err } = await cli(['fixtures/csv/ohdsi-tutorial-etl__synthea_patients.csv']);
    expect([code, err]).toEqual([0, '']);
    const printed = out.split(/\n(?=\{)/).map((text) => JSON.parse(text) as Bundle);
    expect(printed).toHaveLength(109);
    const patient = printed[0]?.entry?.[0]?.resource as Patient;
    expect([patient.resourceType, patient.name?.[0]?.family, patient.birthDate, patient.gender]).toEqual(['Patient', 'Franecki195', '1992-05-18', 'male']);
    const allergies = await cli(['fixtures/csv/ohdsi-tutorial-etl__synthea_allergies.csv']);
    expect(allergies.code).toBe(0);
    expect((JSON.parse(allergies.out.split(/\n(?=\{)/)[0]!) as Bundle).entry?.map((e) => e.resource?.resourceType)).toEqual(['Patient', 'AllergyIntolerance']);
  });

  it('a .dcm file with no dicom mapping in --mappings: its DICOM JSON, without pixel data, and why there is no Bundle', async () => {
    const { code, out, err } = await cli(['--mappings', 'fixtures/convert', 'fixtures/dicom/pydicom__CT_small.dcm']);
    expect(code).toBe(0);
    const dataset = JSON.parse(out) as Record<string, { Value?: unknown[] }>;
    expect(dataset['00080018']?.Value).toEqual(['1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322']);
    expect(dataset['7FE00010']).toBeUndefined();
    expect(err).toBe('fixtures/dicom/pydicom__CT_small.dcm: no mapping reads dicom payloads (a mapping with input: dicom); printing each payload as a channel would queue it\n');
  });

  it('a .csv file: one payload per row, and each unreadable row with its line (exit 1)', async () => {
    const { code, out, err } = await cli(['--mappings', 'fixtures/convert', 'fixtures/csv/bad-rows.csv']);
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
