/**
 * A streaming CSV reader: bytes → iconv-lite decoding → csv-parse → rows with their physical
 * line, columns by header name, and raw text. Memory stays bounded by one record (and one
 * group when grouping), whatever the size of the file: records are pulled one at a time and
 * the input is paused while the consumer works (async iteration = backpressure).
 *
 * Bad rows, by kind (research §2.2, measured: after an invalid quote csv-parse and papaparse
 * lose or merge the neighbouring rows):
 * - a row with the wrong number of columns is reported (`bad-row`, file:line:column, reason)
 *   and reading goes on: record boundaries are intact, so the neighbours are sound;
 * - a quote error (unclosed quote, quote inside an unquoted field) or a record over
 *   `maxRecordBytes` ends the file with a `fatal` item: nothing after it can be trusted. The
 *   rows before it were yielded; a source that must not half-deliver a file reads it once to
 *   validate (this reader, ignoring rows) and again to deliver.
 *
 * Row identity is sha256(file bytes) + line (`rowId`); the hash is computed while streaming
 * and given in the final `end` item.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { type ErrorCode, MedibusError } from '../errors.js';

export interface CsvReadOptions {
  /** named in errors (file:line:column); default `CSV` */
  readonly file?: string;
  /** field delimiter; default `,` */
  readonly delimiter?: string;
  /** quote character; default `"` */
  readonly quote?: string;
  /** iconv-lite encoding name (`utf-8`, `windows-1258`, `latin1` …); a BOM is dropped; default utf-8 */
  readonly encoding?: string;
  /** true: the first row names the columns (default); a list: the names, and row 1 is data */
  readonly header?: true | readonly string[];
  /** group consecutive rows with the same value in this column into one `group` item */
  readonly groupBy?: string;
  /** a group longer than this is handed on in parts (each part flagged `continued`); default 10 000 */
  readonly maxGroupRows?: number;
  /** a longer record is refused (usually an unclosed quote swallowing the file); default 1 MiB */
  readonly maxRecordBytes?: number;
}

export interface CsvRow {
  /** physical line (1-based) the record starts on; a quoted newline makes a record span lines */
  readonly line: number;
  readonly columns: Readonly<Record<string, string>>;
  /** the record as written, decoded, without its line terminator */
  readonly raw: string;
}

export type CsvItem =
  | { readonly kind: 'row'; readonly row: CsvRow }
  | { readonly kind: 'group'; readonly key: string; readonly rows: readonly CsvRow[]; readonly continued: boolean }
  | { readonly kind: 'bad-row'; readonly line: number; readonly raw: string; readonly error: MedibusError }
  | { readonly kind: 'fatal'; readonly error: MedibusError }
  | { readonly kind: 'end'; readonly rows: number; readonly badRows: number; readonly bytes: number; readonly sha256: string };

/** The identity of a row: the same file dropped twice gives the same ids (issue 10). */
export function rowId(sha256: string, line: number): string {
  return `${sha256}:${line}`;
}

const FATAL_CODES: Readonly<Record<string, ErrorCode>> = {
  CSV_INVALID_CLOSING_QUOTE: 'MEDIBUS_ERR_CSV_QUOTE',
  CSV_QUOTE_NOT_CLOSED: 'MEDIBUS_ERR_CSV_QUOTE',
  INVALID_OPENING_QUOTE: 'MEDIBUS_ERR_CSV_QUOTE',
  CSV_MAX_RECORD_SIZE: 'MEDIBUS_ERR_CSV_TOO_LARGE',
};

export async function* readCsv(input: Readable, options: CsvReadOptions = {}): AsyncGenerator<CsvItem> {
  const file = options.file ?? 'CSV';
  const hash = createHash('sha256');
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const parser = parse({
    delimiter: options.delimiter ?? ',',
    quote: options.quote ?? '"',
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    // named, not discovered: until it has seen a line end csv-parse allocates four Buffers per
    // byte to look for one (a 64 KiB file without a newline took 150 ms); CRLF first, so a
    // Windows line end is one delimiter, not two
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: options.maxRecordBytes ?? 1024 * 1024,
  });
  // The column count is checked below, against the header, and reported as a bad row.
  // csv-parse checks it too and, even with relax_column_count, builds (and deep-copies) an
  // error it then drops for every such record: 80 µs a record, 2.5 s for a 64 KiB file of
  // short rows. Its expected length is made the record's own, so it never differs
  // (csv-parse is pinned at 7.0.3; test/csv checks bad rows are still reported).
  Object.defineProperty((parser as unknown as { state: object }).state, 'expectedRecordLength', {
    get(this: { record: unknown[] }) {
      return this.record.length;
    },
    set() {},
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(hashing).pipe(iconv.decodeStream(options.encoding ?? 'utf-8')).pipe(parser);

  let header: readonly string[] | undefined = Array.isArray(options.header) ? options.header : undefined;
  let rows = 0;
  let badRows = 0;
  let group: { key: string; rows: CsvRow[]; continued: boolean } | undefined;
  const maxGroup = options.maxGroupRows ?? 10_000;
  const groupBy = options.groupBy;
  // windows-1258 writes Vietnamese tone marks as combining characters; NFC makes "Nguyễn"
  // compare equal to what every other source sends (as src/hl7/charset.ts does for HL7)
  const nfc = /1258/.test(options.encoding ?? '');
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
      if (nfc) item.record = item.record.map((field) => field.normalize('NFC'));
      const raw = nfc ? item.raw.replace(/\r?\n$|\r$/, '').normalize('NFC') : item.raw.replace(/\r?\n$|\r$/, '');
      const line = item.info.lines - (raw.match(/\r\n|\r|\n/g)?.length ?? 0);
      if (!header) {
        header = checkHeader(item.record, file, line);
        if (groupBy !== undefined && !header.includes(groupBy)) {
          throw new MedibusError('MEDIBUS_ERR_CSV_HEADER', `${file}:${line}:1: groupBy column "${groupBy}" is not in the header`, { location: { file, line, column: 1 } });
        }
        continue;
      }
      if (item.record.length !== header.length) {
        badRows++;
        const column = Math.min(item.record.length, header.length) + 1;
        const error = new MedibusError('MEDIBUS_ERR_CSV_ROW', `${file}:${line}:${column}: the row has ${item.record.length} columns, the header ${header.length}`, { location: { file, line, column } });
        yield { kind: 'bad-row', line, raw, error };
        continue;
      }
      const columns: Record<string, string> = {};
      header.forEach((name, i) => {
        columns[name] = item.record[i] ?? '';
      });
      const row: CsvRow = { line, columns, raw };
      rows++;
      if (groupBy === undefined) {
        yield { kind: 'row', row };
        continue;
      }
      const key = columns[groupBy] ?? '';
      if (group && (group.key !== key || group.rows.length >= maxGroup)) {
        yield { kind: 'group', ...group };
        group = group.key === key ? { key, rows: [], continued: true } : undefined;
      }
      group ??= { key, rows: [], continued: false };
      group.rows.push(row);
    }
  } catch (thrown) {
    if (group) yield { kind: 'group', ...group };
    group = undefined;
    yield { kind: 'fatal', error: fatal(thrown, file) };
    input.unpipe();
    input.destroy();
    return;
  }
  if (group) yield { kind: 'group', ...group };
  if (!header) yield { kind: 'fatal', error: new MedibusError('MEDIBUS_ERR_CSV_HEADER', `${file}:1:1: the file is empty, there is no header row`, { location: { file, line: 1, column: 1 } }) };
  yield { kind: 'end', rows, badRows, bytes, sha256: hash.digest('hex') };
}

function checkHeader(names: string[], file: string, line: number): readonly string[] {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    const column = i + 1;
    if (name.trim() === '') throw new MedibusError('MEDIBUS_ERR_CSV_HEADER', `${file}:${line}:${column}: header column ${column} has no name`, { location: { file, line, column } });
    if (seen.has(name)) throw new MedibusError('MEDIBUS_ERR_CSV_HEADER', `${file}:${line}:${column}: header names "${name}" twice`, { location: { file, line, column } });
    seen.add(name);
  });
  return names;
}

function fatal(thrown: unknown, file: string): MedibusError {
  if (thrown instanceof MedibusError) return thrown;
  const csv = thrown as Partial<CsvError> & { lines?: number; column?: number | string };
  const code = (csv.code && FATAL_CODES[csv.code]) ?? 'MEDIBUS_ERR_CSV_QUOTE';
  const line = typeof csv.lines === 'number' ? csv.lines : 1;
  const column = typeof csv.column === 'number' ? csv.column + 1 : undefined;
  const where = column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new MedibusError(code, `${where}: ${message}; the rest of the file is not read`, { location: { file, line, ...(column === undefined ? {} : { column }) }, cause: thrown });
}
