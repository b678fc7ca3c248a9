/**
 * The CSV dialect of the mapping language (`input: csv`): paths are header names (path.ts),
 * cells convert from text (values.ts). A payload is one row, or a group of consecutive rows
 * with one key (the CSV source's `groupBy`): rules read the first row, and `forEach: rows`
 * evaluates in each row of the group.
 */
import { rowId } from '../../csv/index.js';
import { MedibusError } from '../../errors.js';
import type { Dialect, RecordScope } from '../record/types.js';
import { compileColumn, parseColumn, type CsvNode } from './path.js';
import { didYouMean } from '../../config/suggest.js';
import { csvConverter } from './values.js';

export const csvDialect: Dialect = {
  kind: 'csv',
  describe: 'a CSV column name like BIRTHDATE, or "First Name" in double quotes',
  asTypes: ['authority', 'uid'],
  compilePath: compileColumn,
  compileForEach(text) {
    if (text.trim() !== 'rows') {
      throw new MedibusError('MEDIBUS_ERR_KIND_PATH', `forEach: ${text} — in a csv mapping, forEach takes rows (each row of a group of rows)`, { location: { column: 1 } });
    }
    return (scope) => {
      const { rows } = scope.node as CsvNode;
      return rows.map((row, i): RecordScope => ({ parent: scope, node: { row, rows }, label: `line ${row.line}`, key: `${scope.key}/${i}` }));
    };
  },
  converter: csvConverter,
  withColumns(columns) {
    const known = new Set(columns);
    return {
      ...csvDialect,
      compilePath(text) {
        const name = parseColumn(text);
        if (!known.has(name)) {
          const lead = text.length - text.trimStart().length + 1;
          throw new MedibusError('MEDIBUS_ERR_KIND_PATH', `column "${name}" is not in columns: (the export's header row)${didYouMean(name, columns)}`, { location: { column: lead } });
        }
        return compileColumn(text);
      },
    };
  },
  root(payload, mappingId) {
    if (payload.kind !== 'csv') throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `a csv mapping reads csv payloads, not ${payload.kind}`);
    const first = payload.rows[0];
    if (first === undefined) throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `${payload.file}: a csv payload without rows`);
    return {
      scope: { parent: undefined, node: { row: first, rows: payload.rows } satisfies CsvNode, label: `line ${first.line}`, key: '' },
      // a key without system is numbered by the export the mapping reads, not by the file name, which changes each drop
      facility: `csv:${mappingId}`,
      identifier: { system: 'urn:medibus:csv-row', value: rowId(payload.sha256, first.line) },
      offset: undefined,
    };
  },
};
