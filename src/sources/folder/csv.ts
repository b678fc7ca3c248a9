/**
 * `csv-folder`: a watched folder where exports are dropped (issue 10, part 4). Each file is
 * read twice, streaming (memory bounded by one record and the publish window, whatever the
 * file's size):
 *
 * 1. a validating pass: its SHA-256 (row identity is `sha256:line`, so it must be known before
 *    the first row goes out), its row count (progress: done of total), and any fatal error —
 *    an unclosed quote or an oversized record makes everything after it untrustworthy, so a
 *    file with one delivers nothing and goes to failed/ with the reason beside it;
 * 2. the delivering pass: one message per row (or per group of consecutive rows with the same
 *    `groupBy` value), up to `window` publishes waiting for their confirms at once. A row with
 *    the wrong column count goes to the channel's failed queue with file, line, column and
 *    reason, and the rest flows.
 *
 * The file moves to done/ only once every row is durable (confirmed, in ingress or the failed
 * queue). A checkpoint (checkpoint.ts) records the confirmed prefix as it grows; a crash or a
 * broker outage mid-file resumes after it, and the few rows re-sent carry the same ids.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readCsv, rowId, type CsvReadOptions, type CsvRow } from '../../csv/index.js';
import { MedibusError, errorMessage } from '../../errors.js';
import type { CsvPayload } from '../../kinds/types.js';
import type { IngestOutcome, ReceivedMeta, Source, SourceContext, SourceSpec } from '../types.js';
import { readCheckpoint, removeCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { FolderWatcher, type FileOutcome } from './watch.js';
import { folderSchema, type FolderConfig } from './config.js';

export interface CsvFolderConfig extends FolderConfig {
  readonly delimiter: string;
  readonly quote: string;
  /** true: the first row names the columns; a list: the names, and row 1 is data */
  readonly header: true | readonly string[];
  readonly encoding: string;
  readonly groupBy?: string;
  readonly maxGroupRows: number;
  /** bytes */
  readonly maxRecordSize: number;
  /** publishes waiting for their confirm at once, per file */
  readonly window: number;
  /** ms between progress lines in the log */
  readonly progressInterval: number;
}

export const csvFolderSource: SourceSpec<CsvFolderConfig> = {
  type: 'csv-folder',
  kind: 'csv',
  description:
    'Watches a folder for CSV exports: each row (or group of consecutive rows with the same groupBy value) becomes one message; the file moves to done/ once every row is durable, or to failed/ with a reason file.',
  configSchema: folderSchema('*.csv', {
    delimiter: { type: 'string', minLength: 1, description: 'Field delimiter.', default: ',', examples: [';', '\t'] },
    quote: { type: 'string', minLength: 1, maxLength: 1, description: 'Quote character.', default: '"' },
    header: {
      description: 'true: the first row names the columns. A list of names: the file has no header row and row 1 is data.',
      default: true,
      oneOf: [{ const: true }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
      examples: [true, ['Id', 'BIRTHDATE', 'FIRST', 'LAST']],
    },
    encoding: { type: 'string', description: 'Character encoding of the files (iconv-lite names); a UTF-8 BOM is dropped.', default: 'utf-8', examples: ['windows-1258', 'latin1'] },
    groupBy: { type: 'string', minLength: 1, description: 'One message per group of consecutive rows with the same value in this column (e.g. a patient\'s allergies). Absent: one message per row.', examples: ['PATIENT'] },
    maxGroupRows: { type: 'integer', minimum: 1, description: 'A longer group is sent in parts (each part its own message).', default: 10000 },
    maxRecordSize: { $ref: '#/$defs/size', description: 'A longer record is refused and the file goes to failed/ (usually an unclosed quote swallowing the rest of the file).', default: '1MiB' },
    window: { type: 'integer', minimum: 1, maximum: 65536, description: 'Rows published and waiting for the broker\'s confirm at once, per file: the throughput knob (memory grows with it, by one row each).', default: 1024 },
    progressInterval: { $ref: '#/$defs/duration', description: 'How often a file being read logs its progress (rows done of total, rows/s).', default: '5s' },
  }),
  create(config, context) {
    return createCsvFolderSource(config, context);
  },
};

/** What one file's delivery needs, for the source and for the benchmark. */
export function createCsvFolderSource(config: CsvFolderConfig, context: SourceContext): Source {
  const dir = config.dir;
  const log = context.log;
  const readOptions = (name: string): CsvReadOptions => ({
    file: name,
    delimiter: config.delimiter,
    quote: config.quote,
    encoding: config.encoding,
    header: config.header,
    maxGroupRows: config.maxGroupRows,
    maxRecordBytes: config.maxRecordSize,
    ...(config.groupBy === undefined ? {} : { groupBy: config.groupBy }),
  });

  const watcher = new FolderWatcher({
    dir,
    pattern: config.pattern,
    doneDir: config.doneDir ?? join(dir, 'done'),
    failedDir: config.failedDir ?? join(dir, 'failed'),
    settle: config.settle,
    pollInterval: config.pollInterval,
    retryDelay: config.retryDelay,
    concurrency: config.concurrency,
    log,
    handle: (file, name, _target, signal) => deliverCsvFile({ file, name, dir, readOptions: readOptions(name), window: config.window, progressInterval: config.progressInterval, context, signal }),
  });
  return {
    start: () => watcher.start(),
    stop: () => watcher.stop(),
    address: () => undefined,
  };
}

export interface DeliverOptions {
  readonly file: string;
  readonly name: string;
  /** the watched folder (its .medibus/ holds the checkpoint) */
  readonly dir: string;
  readonly readOptions: CsvReadOptions;
  readonly window: number;
  readonly progressInterval: number;
  readonly context: Pick<SourceContext, 'ingest' | 'fail' | 'log'>;
  readonly signal: AbortSignal;
}

/** The validating pass: hash, count, or the fatal error. */
async function validate(file: string, options: CsvReadOptions): Promise<{ sha256: string; total: number } | { error: MedibusError }> {
  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  try {
    // no grouping: the pass only counts, and a group would hold rows for nothing
    const { groupBy: _groupBy, ...counting } = options;
    for await (const item of readCsv(input, counting)) {
      if (item.kind === 'fatal') return { error: item.error };
      if (item.kind === 'end') return { sha256: item.sha256, total: item.rows + item.badRows };
    }
    return { error: new MedibusError('MEDIBUS_ERR_INTERNAL', `${options.file}: the reader ended without its end item`) };
  } finally {
    input.destroy();
  }
}

interface Slot {
  readonly last: number;
  done: boolean;
}

/**
 * Delivers one file; resolves with what the folder does with it. Never rejects for a problem of
 * the file or the broker (those are `failed` and `retry`).
 */
export async function deliverCsvFile(o: DeliverOptions): Promise<FileOutcome> {
  const { file, name, dir, context, signal } = o;
  const log = context.log;
  const started = Date.now();
  const info = await stat(file);
  let checkpoint: Checkpoint | undefined = await readCheckpoint(dir, name, info.size, info.mtimeMs);
  if (!checkpoint) {
    const checked = await validate(file, o.readOptions);
    if ('error' in checked) {
      log.warn({ event: 'csv-file-failed', file: name, code: checked.error.code, reason: checked.error.message }, 'CSV file refused; nothing of it was sent');
      await removeCheckpoint(dir, name);
      return { kind: 'failed', reason: `${checked.error.code}: ${checked.error.message}` };
    }
    checkpoint = { size: info.size, mtimeMs: info.mtimeMs, sha256: checked.sha256, total: checked.total, line: 0 };
    await writeCheckpoint(dir, name, checkpoint);
  }
  const { sha256, total } = checkpoint;
  const resumeAfter = checkpoint.line;
  if (resumeAfter > 0) log.info({ event: 'csv-file-resumed', file: name, afterLine: resumeAfter, total }, 'CSV file resumed after its checkpoint');
  else log.info({ event: 'csv-file-started', file: name, total, bytes: info.size }, 'CSV file started');

  // the confirmed prefix: slots in file order; the watermark moves over the done ones
  const slots: Slot[] = [];
  let head = 0;
  let watermark = resumeAfter;
  let inflight = 0;
  let confirmed = 0;
  let skipped = 0;
  let badRows = 0;
  let failure: MedibusError | undefined;
  let wake: (() => void) | undefined;
  let writing: Promise<void> | undefined;
  let lastCheckpoint = Date.now();
  let lastProgress = Date.now();
  let progressDue = false;
  let reachedEnd = false;
  let changed = false;

  const advance = (): void => {
    while (head < slots.length && slots[head]!.done) watermark = slots[head++]!.last;
    if (head > 4096) {
      slots.splice(0, head);
      head = 0;
    }
  };
  const track = (last: number, rows: number, outcome: Promise<IngestOutcome>): void => {
    const slot: Slot = { last, done: false };
    slots.push(slot);
    inflight++;
    void outcome.then((result) => {
      inflight--;
      if (result.accepted) {
        slot.done = true;
        confirmed += rows;
        advance();
      } else {
        failure ??= result.error;
      }
      const w = wake;
      wake = undefined;
      w?.();
    });
  };
  const saveCheckpoint = (): void => {
    if (writing) return;
    const line = watermark;
    lastCheckpoint = Date.now();
    writing = writeCheckpoint(dir, name, { ...checkpoint, line })
      .catch((error: unknown) => log.warn({ event: 'checkpoint-failed', file: name, reason: errorMessage(error) }, 'cannot write the checkpoint'))
      .finally(() => (writing = undefined));
  };
  const progress = (): void => {
    const now = Date.now();
    lastProgress = now;
    const done = skipped + confirmed + badRows;
    const seconds = (now - started) / 1000;
    log.info({ event: 'csv-progress', file: name, done, total, rowsPerSecond: Math.round(confirmed / Math.max(seconds, 0.001)) }, 'CSV file progress');
    progressDue = true;
  };
  const meta = (): ReceivedMeta => {
    if (!progressDue) return { receivedAt: new Date(), file: name };
    progressDue = false;
    return { receivedAt: new Date(), file: name, progress: { done: skipped + confirmed + badRows, total, file: name } };
  };
  const send = async (payload: CsvPayload, m: ReceivedMeta): Promise<IngestOutcome> => {
    const outcome = await context.ingest(payload, m);
    if (outcome.accepted || outcome.retryable) return outcome;
    // not retryable (no identity, a key the kind cannot read): the row is parked, the file flows
    return context.fail(failedRecord(payload, name, payload.rows[0]?.line ?? 0, 1), outcome.error, m);
  };

  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  let count = 0;
  try {
    for await (const item of readCsv(input, o.readOptions)) {
      if (failure || signal.aborted) break;
      if (item.kind === 'row' || item.kind === 'group') {
        const rows: readonly CsvRow[] = item.kind === 'row' ? [item.row] : item.rows;
        const last = rows[rows.length - 1]!.line;
        if (last <= resumeAfter) {
          skipped += rows.length;
          continue;
        }
        const payload: CsvPayload = item.kind === 'row' ? { kind: 'csv', file: name, sha256, rows } : { kind: 'csv', file: name, sha256, rows, groupKey: item.key };
        track(last, rows.length, send(payload, meta()));
      } else if (item.kind === 'bad-row') {
        badRows++;
        if (item.line <= resumeAfter) continue;
        const column = item.error.location?.column ?? 1;
        track(item.line, 0, context.fail(failedRecord({ kind: 'csv', file: name, sha256, rows: [{ line: item.line, columns: {}, raw: item.raw }] }, name, item.line, column), item.error, meta()));
      } else if (item.kind === 'fatal') {
        // the validating pass found none: the file changed under us
        changed = true;
        failure = item.error;
      } else if (item.kind === 'end') {
        reachedEnd = true;
        if (item.sha256 !== sha256) changed = true;
      }
      if ((++count & 255) === 0) {
        const now = Date.now();
        if (now - lastCheckpoint >= 1000) saveCheckpoint();
        if (now - lastProgress >= o.progressInterval) progress();
      }
      while (inflight >= o.window && !failure) await new Promise<void>((resolve) => (wake = resolve));
    }
  } catch (error) {
    failure ??= new MedibusError('MEDIBUS_ERR_INTERNAL', `${name}: ${errorMessage(error)}`, { cause: error });
  } finally {
    input.destroy();
  }
  while (inflight > 0) await new Promise<void>((resolve) => (wake = resolve));
  await writing;

  const seconds = (Date.now() - started) / 1000;
  const figures = { file: name, done: skipped + confirmed + badRows, total, badRows, seconds, rowsPerSecond: Math.round(confirmed / Math.max(seconds, 0.001)) };
  if (changed) {
    await removeCheckpoint(dir, name);
    log.warn({ event: 'csv-file-changed', ...figures }, 'CSV file changed while it was read; it will be read again');
    return { kind: 'retry', reason: `${name} changed while it was read (a writer is still at it?); it is read again` };
  }
  if (failure || !reachedEnd) {
    saveCheckpoint();
    await writing;
    const reason = failure ? `${failure.code}: ${failure.message}` : 'medibus stopped while the file was read';
    log.warn({ event: 'csv-file-paused', ...figures, afterLine: watermark, code: failure?.code, reason }, 'CSV file paused; it resumes after its checkpoint');
    return { kind: 'retry', reason: `${reason}; resumes after line ${watermark}` };
  }
  await removeCheckpoint(dir, name);
  log.info({ event: 'csv-file-done', ...figures }, 'CSV file done: every row is durable');
  return { kind: 'done' };
}

/** A row as the failed queue keeps it: the rows JSON (raw text kept), and where it was. */
function failedRecord(payload: CsvPayload, name: string, line: number, column: number): Parameters<SourceContext['fail']>[0] {
  return {
    kind: 'csv',
    body: Buffer.from(JSON.stringify({ file: payload.file, sha256: payload.sha256, rows: payload.rows })),
    sourceId: rowId(payload.sha256, line),
    type: 'csv',
    sender: name,
    headers: { file: name, line, column },
  };
}
