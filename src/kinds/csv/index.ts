/**
 * CSV as a payload kind: the ingress body is JSON of the row (or group of consecutive rows
 * with the same key) with the file it came from and that file's SHA-256, so a row keeps its
 * identity (`sha256:line`, src/csv rowId) through every queue: the same file dropped twice
 * gives the same ids, and dedupe and the FHIR conditional requests see the same message.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { readCsv, rowId, type CsvRow } from '../../csv/index.js';
import { MedibusError, errorMessage } from '../../errors.js';
import { joinKey, splitKey } from '../key-parts.js';
import type { CsvPayload, KindSpec } from '../types.js';

export const csvKind = {
  kind: 'csv',
  contentType: 'application/vnd.medibus.csv-rows+json',
  // an export has no column every file shares: no key unless the channel names its patient column
  defaultKey: '',
  extensions: ['.csv'],
  async readFile(bytes, name) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const payloads: CsvPayload[] = [];
    const failures: { where: string; error: MedibusError }[] = [];
    for await (const item of readCsv(Readable.from([bytes]), { file: name })) {
      if (item.kind === 'row') payloads.push({ kind: 'csv', file: name, sha256, rows: [item.row] });
      else if (item.kind === 'group') payloads.push({ kind: 'csv', file: name, sha256, rows: item.rows, groupKey: item.key });
      else if (item.kind === 'bad-row') failures.push({ where: `${name}:${item.line}`, error: item.error });
      else if (item.kind === 'fatal') failures.push({ where: name, error: item.error });
    }
    return { payloads, warnings: [], failures };
  },
  encode(payload) {
    const { file, sha256, rows, groupKey } = payload;
    return Buffer.from(JSON.stringify({ file, sha256, rows: rows.map(({ line, columns, raw }) => ({ line, columns, raw })), ...(groupKey === undefined ? {} : { groupKey }) }), 'utf8');
  },
  decode(body) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new MedibusError('MEDIBUS_ERR_KIND_BODY', `csv body is not JSON: ${errorMessage(error)}`);
    }
    if (!isCsvBody(parsed)) throw new MedibusError('MEDIBUS_ERR_KIND_BODY', 'csv body lacks file, sha256 or rows [{ line, columns, raw }]');
    return { kind: 'csv', file: parsed.file, sha256: parsed.sha256, rows: parsed.rows, ...(parsed.groupKey === undefined ? {} : { groupKey: parsed.groupKey }) };
  },
  identity({ file, sha256, rows }) {
    const line = rows[0]?.line ?? 0;
    return { sourceId: rowId(sha256, line), type: 'csv', sender: file, line };
  },
  compileKey(expression) {
    if (expression.trim() === '') return () => '';
    const columns = splitKey(expression).map((part) => part.text);
    // the first row's: a group shares its key, and a single row is its own first row
    return ({ rows }) => joinKey(columns.map((column) => rows[0]?.columns[column] ?? ''));
  },
} as const satisfies KindSpec<CsvPayload>;

interface CsvBody {
  readonly file: string;
  readonly sha256: string;
  readonly rows: CsvRow[];
  readonly groupKey?: string;
}

function isCsvBody(value: unknown): value is CsvBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['file'] === 'string' &&
    typeof v['sha256'] === 'string' &&
    Array.isArray(v['rows']) &&
    v['rows'].every((r: unknown) => typeof r === 'object' && r !== null && typeof (r as CsvRow).line === 'number' && typeof (r as CsvRow).raw === 'string' && typeof (r as CsvRow).columns === 'object') &&
    (v['groupKey'] === undefined || typeof v['groupKey'] === 'string')
  );
}
