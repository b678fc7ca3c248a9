/**
 * The inputs `npm run fuzz` found (fixtures/fuzz/SOURCES.md), kept fixed: each DICOM crash is
 * now a located MedibusError naming the element, and the slow CSV inputs still report the rows
 * and bad rows they reported before their cost was removed (timings are the fuzz script's to
 * print, not a test's to assert).
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/csv/index.js';
import { readDicom } from '../../src/dicom/index.js';
import { isMedibusError } from '../../src/errors.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/fuzz/${name}`, import.meta.url));

describe('DICOM inputs that crashed the reader', () => {
  const cases: [string, string][] = [
    ['dicom-reader@16866.bin', '(0028,0010)'],
    ['dicom-reader@18246.bin', '(0048,0002)'],
    ['dicom-reader@33106.bin', '(0028,0010)'],
    ['dicom-reader@47349.bin', '(0028,0010)'],
  ];
  for (const [file, element] of cases) {
    it(`${file}: refused as truncated at ${element}, not a bare string from dicom-parser`, () => {
      let thrown: unknown;
      try {
        readDicom(fixture(`dicom/${file}`), { source: file });
      } catch (error) {
        thrown = error;
      }
      expect(isMedibusError(thrown)).toBe(true);
      if (!isMedibusError(thrown)) return;
      expect(thrown.code).toBe('MEDIBUS_ERR_DICOM_TRUNCATED');
      expect(thrown.message).toContain(`${file}: element ${element} declares`);
      expect(thrown.location).toEqual({ file });
    });
  }
});

async function kinds(file: string, index: number): Promise<Record<string, number>> {
  const grouped = index % 3 === 0;
  const encoding = index % 7 === 0 ? 'windows-1258' : 'utf-8';
  const out: Record<string, number> = {};
  for await (const item of readCsv(Readable.from([fixture(`csv/${file}`)]), { file, encoding, maxRecordBytes: 64 * 1024, ...(grouped ? { groupBy: 'PATIENT', maxGroupRows: 50 } : {}) })) {
    out[item.kind] = (out[item.kind] ?? 0) + 1;
    if (item.kind === 'bad-row') expect(item.error.code).toBe('MEDIBUS_ERR_CSV_ROW');
  }
  return out;
}

describe('CSV inputs that were slow', () => {
  it('csv-reader@10702.bin: 316 rows and 314 bad rows, each reported', async () => {
    expect(await kinds('csv-reader@10702.bin', 10702)).toEqual({ row: 316, 'bad-row': 314, end: 1 });
  });
  it('csv-reader@18097.bin: 258 rows and 1,029 bad rows, each reported', async () => {
    expect(await kinds('csv-reader@18097.bin', 18097)).toEqual({ row: 258, 'bad-row': 1029, end: 1 });
  });
  it('csv-reader@4944.bin: one fatal item (the groupBy column is not in the header)', async () => {
    expect(await kinds('csv-reader@4944.bin', 4944)).toEqual({ fatal: 1 });
  });
});

describe('a YAML input that was slow', () => {
  it('mapping-loader@5848.bin: its syntax problems are still diagnostics with a line and column', async () => {
    const { parseYaml } = await import('../../src/config/yaml.js');
    const text = fixture('yaml/mapping-loader@5848.bin').toString('utf8');
    const { diagnostics } = parseYaml(text, 'mangled.yaml');
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) {
      expect(d.code).toBe('MEDIBUS_ERR_CONFIG_YAML');
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });
});
