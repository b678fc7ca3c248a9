/**
 * `dicom-folder`: a watched folder where a PACS or a person drops `.dcm` files (issue 10, part
 * 2). Each file's header is read from disk in growing reads until Pixel Data shows up (memory
 * bounded by the header, never the pixels: the file is already on disk, so it is read in place
 * rather than copied through src/dicom/stream.ts); its metadata goes to ingress with
 * `objectRef` = the path the file will have in done/; once the broker confirmed, the file is
 * moved there. A file that is not DICOM, truncated, or too large goes to failed/ with the
 * reason beside it. A restart takes again whatever is still in the folder: an object sent
 * twice has the same SOP Instance UID, and the FHIR side is keyed on it.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { holdsWholeHeader, readDicom } from '../../dicom/read.js';
import { MedibusError, errorMessage } from '../../errors.js';
import type { Source, SourceContext, SourceSpec } from '../types.js';
import { folderSchema, type FolderConfig } from './config.js';
import { FolderWatcher, type FileOutcome } from './watch.js';

export interface DicomFolderConfig extends FolderConfig {
  /** bytes */
  readonly maxFileSize: number;
  /** bytes */
  readonly maxHeaderSize: number;
}

export const dicomFolderSource: SourceSpec<DicomFolderConfig> = {
  type: 'dicom-folder',
  kind: 'dicom',
  description: 'Watches a folder for DICOM files: each object\'s metadata becomes one message (pixel data stays in the file, named by objectRef); the file moves to done/ once the message is durable, or to failed/ with a reason file.',
  configSchema: folderSchema(
    '*.dcm',
    {
      maxFileSize: { $ref: '#/$defs/size', description: 'A larger file goes to failed/ unread.', default: '4GiB' },
      maxHeaderSize: { $ref: '#/$defs/size', description: 'Bytes read at most looking for Pixel Data; an object whose header is larger goes to failed/.', default: '64MiB' },
    },
    4,
  ),
  create(config, context) {
    return createDicomFolderSource(config, context);
  },
};

function createDicomFolderSource(config: DicomFolderConfig, context: SourceContext): Source {
  const dir = config.dir;
  const watcher = new FolderWatcher({
    dir,
    pattern: config.pattern,
    doneDir: config.doneDir ?? join(dir, 'done'),
    failedDir: config.failedDir ?? join(dir, 'failed'),
    settle: config.settle,
    pollInterval: config.pollInterval,
    retryDelay: config.retryDelay,
    concurrency: config.concurrency,
    log: context.log,
    handle: (file, name, target) => deliverDicomFile(file, name, target, config, context),
  });
  return { start: () => watcher.start(), stop: () => watcher.stop(), address: () => undefined };
}

/** The header: reads of 64 KiB, doubling, until Pixel Data shows up, the file ends, or the cap. */
async function readHeader(file: string, size: number, maxHeader: number, name: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    let length = Math.min(size, 64 * 1024);
    for (;;) {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, 0);
      const bytes = buffer.subarray(0, bytesRead);
      if (bytesRead >= size || holdsWholeHeader(bytes)) return bytes;
      if (length >= maxHeader) throw new MedibusError('MEDIBUS_ERR_DICOM_TOO_LARGE', `${name}: no Pixel Data within the first ${maxHeader} bytes, and the object has ${size}; the header is larger than maxHeaderSize`);
      length = Math.min(size, length * 2, maxHeader);
    }
  } finally {
    await handle.close();
  }
}

async function deliverDicomFile(file: string, name: string, target: string, config: DicomFolderConfig, context: SourceContext): Promise<FileOutcome> {
  const receivedAt = new Date();
  let dataset;
  try {
    const { size } = await stat(file);
    if (size > config.maxFileSize) throw new MedibusError('MEDIBUS_ERR_DICOM_TOO_LARGE', `${name}: the file has ${size} bytes, more than maxFileSize (${config.maxFileSize})`);
    const header = await readHeader(file, size, config.maxHeaderSize, name);
    const fd = openSync(file, 'r');
    try {
      dataset = readDicom(header, {
        source: name,
        totalSize: size,
        readAt: (position, length) => {
          const bytes = Buffer.alloc(length);
          return bytes.subarray(0, readSync(fd, bytes, 0, length, position));
        },
      }).dataset;
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    // not a MedibusError: the file system said no (permissions, gone): try again later
    if (!(error instanceof MedibusError)) return { kind: 'retry', reason: `${name}: ${errorMessage(error)}` };
    const refused = error;
    context.log.warn({ event: 'dicom-file-failed', file: name, code: refused.code, reason: refused.message }, 'DICOM file refused');
    return { kind: 'failed', reason: `${refused.code}: ${refused.message}` };
  }
  const outcome = await context.ingest({ kind: 'dicom', dataset, objectRef: target }, { receivedAt, file: name });
  if (outcome.accepted) return { kind: 'done' };
  const reason = `${outcome.error.code}: ${outcome.error.message}`;
  return outcome.retryable ? { kind: 'retry', reason } : { kind: 'failed', reason };
}
