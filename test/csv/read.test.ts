import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CsvItem, type CsvReadOptions, readCsv, rowId } from '../../src/csv/index.js';

const fixture = (name: string): string => new URL(`../../fixtures/csv/${name}`, import.meta.url).pathname;

async function collect(input: Readable, options: CsvReadOptions = {}): Promise<CsvItem[]> {
  const items: CsvItem[] = [];
  for await (const item of readCsv(input, options)) items.push(item);
  return items;
}
const rowsOf = (items: CsvItem[]) => items.flatMap((i) => (i.kind === 'row' ? [i.row] : []));
const endOf = (items: CsvItem[]) => items.find((i) => i.kind === 'end');

describe('readCsv on the Synthea exports', () => {
  for (const [name, count, column] of [
    ['ohdsi-tutorial-etl__synthea_patients.csv', 109, 'Id'],
    ['ohdsi-tutorial-etl__synthea_allergies.csv', 81, 'PATIENT'],
    ['ohdsi-tutorial-etl__synthea_imaging_studies.csv', 52, 'SERIES_UID'],
  ] as const) {
    it(`${name}: ${count} rows by header name, lines from 2`, async () => {
      const items = await collect(createReadStream(fixture(name)), { file: name });
      const rows = rowsOf(items);
      expect(rows).toHaveLength(count);
      expect(rows[0]?.line).toBe(2);
      expect(rows.every((r) => (r.columns[column] ?? '') !== '')).toBe(true);
      expect(endOf(items)).toMatchObject({ kind: 'end', rows: count, badRows: 0, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    });
  }
  it('keeps leading zeros and empty columns as strings', async () => {
    const rows = rowsOf(await collect(createReadStream(fixture('ohdsi-tutorial-etl__synthea_patients.csv'))));
    expect(rows.some((r) => /^0\d{4}$/.test(r.columns.ZIP ?? ''))).toBe(true);
    expect(rows.some((r) => r.columns.DEATHDATE === '')).toBe(true);
  });
});

describe('encodings', () => {
  it('UTF-8 with BOM: the first header name is clean', async () => {
    const rows = rowsOf(await collect(createReadStream(fixture('patients-utf8-bom.csv'))));
    expect(Object.keys(rows[0]?.columns ?? {})[0]).toBe('Id');
    expect(rows.map((r) => `${r.columns.FIRST} ${r.columns.LAST}`)).toEqual(['Zoë Müller', 'José García, Jr.']);
  });
  it('windows-1258 Vietnamese, ; delimiter, CRLF: names in NFC', async () => {
    const rows = rowsOf(await collect(createReadStream(fixture('vi-patients-cp1258.csv')), { encoding: 'windows-1258', delimiter: ';' }));
    expect(rows.map((r) => r.columns.HO_TEN)).toEqual(['Nguyễn Thị Ánh Tuyết', 'Trần Văn Đức', 'Lê Thị Hương']);
    expect(rows[0]?.columns.DIA_CHI).toBe('Quận 5; TP. Hồ Chí Minh');
    expect(rows[0]?.raw).toBe('BN001;Nguyễn Thị Ánh Tuyết;1985-03-12;F;"Quận 5; TP. Hồ Chí Minh"');
  });
});

describe('bad rows', () => {
  it('a wrong column count is reported with file:line:column and the rest flows', async () => {
    const items = await collect(createReadStream(fixture('bad-rows.csv')), { file: 'bad-rows.csv' });
    expect(rowsOf(items).map((r) => [r.line, r.columns.Id])).toEqual([[2, 'p-1'], [4, 'p-3'], [7, 'p-5']]);
    const bad = items.flatMap((i) => (i.kind === 'bad-row' ? [i] : []));
    expect(bad.map((b) => [b.line, b.error.code, b.error.location])).toEqual([
      [3, 'MEDIBUS_ERR_CSV_ROW', { file: 'bad-rows.csv', line: 3, column: 4 }],
      [6, 'MEDIBUS_ERR_CSV_ROW', { file: 'bad-rows.csv', line: 6, column: 5 }],
    ]);
    expect(bad[0]?.error.message).toBe('bad-rows.csv:3:4: the row has 3 columns, the header 4');
    expect(endOf(items)).toMatchObject({ rows: 3, badRows: 2 });
  });
  it('a quote error ends the file with a fatal item at its line (neighbours cannot be trusted)', async () => {
    const items = await collect(createReadStream(fixture('bad-quote.csv')), { file: 'bad-quote.csv' });
    // rows before the error may be yielded or not (csv-parse reports it first); none after
    expect(rowsOf(items).every((r) => r.line < 3)).toBe(true);
    const fatal = items.find((i) => i.kind === 'fatal');
    expect(fatal?.kind === 'fatal' && fatal.error.code).toBe('MEDIBUS_ERR_CSV_QUOTE');
    expect(fatal?.kind === 'fatal' && fatal.error.location?.line).toBe(3);
    expect(items.some((i) => i.kind === 'end')).toBe(false);
  });
  it('an unclosed quote does not swallow memory: refused at maxRecordBytes', async () => {
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from('a,b\n1,"never closed');
      for (let i = 0; i < 64; i++) yield Buffer.alloc(64 * 1024, 0x78);
    }
    const items = await collect(Readable.from(endless()), { maxRecordBytes: 256 * 1024 });
    const fatal = items.find((i) => i.kind === 'fatal');
    expect(fatal?.kind === 'fatal' && fatal.error.code).toBe('MEDIBUS_ERR_CSV_TOO_LARGE');
  });
});

describe('identity and grouping', () => {
  it('row id = content hash + line, the same for the same file read twice', async () => {
    const once = endOf(await collect(createReadStream(fixture('bad-rows.csv'))));
    const twice = endOf(await collect(Readable.from([Buffer.from(await import('node:fs').then((fs) => fs.readFileSync(fixture('bad-rows.csv'))))])));
    expect(once?.kind === 'end' && twice?.kind === 'end' && once.sha256 === twice.sha256).toBe(true);
    expect(rowId('ab'.repeat(32), 7)).toBe(`${'ab'.repeat(32)}:7`);
  });
  it('groups consecutive rows with the same key; a key seen again later is a new group', async () => {
    const items = await collect(createReadStream(fixture('grouped-allergies.csv')), { groupBy: 'PATIENT' });
    const groups = items.flatMap((i) => (i.kind === 'group' ? [[i.key, i.rows.map((r) => r.line)]] : []));
    expect(groups).toEqual([['pa', [2, 3]], ['pb', [4]], ['pa', [5]]]);
  });
});

describe('bounded memory on a large stream', () => {
  it('400 000 rows (40 MB) generated: the reader buffers at most a few MB ahead of its consumer; rows/s reported', async () => {
    const rows = 400_000;
    let produced = 0;
    async function* generate(): AsyncGenerator<Buffer> {
      const head = Buffer.from('Id,BIRTHDATE,FIRST,LAST,NOTE\n');
      produced += head.length;
      yield head;
      const batch: string[] = [];
      for (let i = 0; i < rows; i++) {
        batch.push(`p-${i},1980-01-02,First${i},"Last, ${i}",some note text for padding the row out a bit more\n`);
        if (batch.length === 1000) {
          const chunk = Buffer.from(batch.join(''));
          batch.length = 0;
          produced += chunk.length;
          yield chunk;
        }
      }
    }
    let consumed = 30;
    let maxLag = 0;
    let count = 0;
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    for await (const item of readCsv(Readable.from(generate()))) {
      if (item.kind !== 'row') continue;
      count++;
      consumed += Buffer.byteLength(item.row.raw) + 1;
      maxLag = Math.max(maxLag, produced - consumed);
    }
    const seconds = (performance.now() - started) / 1000;
    const rss = (process.memoryUsage().rss - rssBefore) / 1048576;
    console.log(`csv reader: ${count} rows (${(produced / 1048576).toFixed(0)} MB) in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} rows/s; max read-ahead ${(maxLag / 1024).toFixed(0)} KB; RSS +${rss.toFixed(0)} MB (garbage included)`);
    expect(count).toBe(rows);
    // stream high-water marks (16 KiB a stage) plus one 100 KB generator chunk: far below the file size
    expect(maxLag).toBeLessThan(2 * 1024 * 1024);
  });
});
