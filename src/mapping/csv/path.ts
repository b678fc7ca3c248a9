/**
 * CSV paths of the mapping language: a column by its header name, as the file's header row
 * writes it (case-sensitive). A name of letters, digits and `_` is written as is (`BIRTHDATE`,
 * `Id`); any other is quoted: `"First Name"`, `"Date of birth (dd/mm)"` — in YAML, inside
 * single quotes: `from: '"First Name"'`. A `"` inside a quoted name is doubled, as in CSV.
 * The header is the file's, so an unknown column is found per file: the row fails naming it
 * and the columns the header has.
 */
import { MedibusError } from '../../errors.js';
import type { CompiledPath } from '../record/types.js';
import type { CsvRow } from '../../csv/index.js';

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HL7_PATH = /^[A-Z][A-Z0-9]{2}(\[\d+\])?-\d+/;
const DICOM_TAG = /^\(?[0-9A-Fa-f]{4},?[0-9A-Fa-f]{4}\)?$/;

/** A scope of a CSV payload: the row being read, and every row of the payload (for forEach: rows). */
export interface CsvNode {
  readonly row: CsvRow;
  readonly rows: readonly CsvRow[];
}

function fail(message: string, column: number): never {
  throw new MedibusError('MEDIBUS_ERR_KIND_PATH', message, { location: { column } });
}

export function parseColumn(text: string): string {
  const t = text.trim();
  const lead = text.length - text.trimStart().length + 1;
  if (t === '') fail('empty column name: name a column of the header row (BIRTHDATE, or "First Name" quoted)', lead);
  if (t.startsWith('"')) {
    if (t.length < 2 || !t.endsWith('"')) fail(`unterminated quoted column name ${t}: close it with "`, lead + t.length);
    const inner = t.slice(1, -1);
    if (/(^|[^"])"("")*($|[^"])/.test(inner.replace(/""/g, ''))) fail(`a " inside a quoted column name is doubled ("") as in CSV: ${t}`, lead);
    const name = inner.replace(/""/g, '"');
    if (name.trim() === '') fail('empty column name', lead);
    return name;
  }
  if (HL7_PATH.test(t)) fail(`"${t}" is an HL7 v2 path; this mapping reads CSV (input: csv): name a column of the header row (PATIENT, or "First Name" quoted)`, lead);
  if (DICOM_TAG.test(t)) fail(`"${t}" is a DICOM tag; this mapping reads CSV (input: csv): name a column of the header row`, lead);
  if (!PLAIN.test(t)) {
    const bad = t.search(/[^A-Za-z0-9_]/);
    fail(`column name ${t} has "${t[bad]}": quote names with spaces or other characters ('"${t}"' in YAML)`, lead + Math.max(bad, 0));
  }
  return t;
}

export function compileColumn(text: string): CompiledPath {
  const name = parseColumn(text);
  return {
    text,
    read(scope, out) {
      const { row } = scope.node as CsvNode;
      const value = row.columns[name];
      if (value === undefined) {
        const known = Object.keys(row.columns);
        throw new MedibusError('MEDIBUS_ERR_MAPPING_RUNTIME', `line ${row.line}: column "${name}" is not in the file's header (it has ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})`, { location: { line: row.line } });
      }
      if (value.trim() !== '') out.push({ vr: 'text', value: value.trim() });
    },
  };
}
