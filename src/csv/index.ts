/** CSV reading: a streaming, bounded-memory reader of delimited exports (pure: a Readable in, rows out). */
export { readCsv, rowId, type CsvItem, type CsvReadOptions, type CsvRow } from './read.js';
