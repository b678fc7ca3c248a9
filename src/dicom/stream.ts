/**
 * Streams a DICOM object (a C-STORE data stream, a dropped file) to a file on disk while
 * keeping in memory only its header, the bytes before Pixel Data. A multi-GB study is never
 * held whole: memory is bounded by `maxHeaderBytes` plus one chunk.
 *
 * The header is found by trying to parse the bytes kept so far whenever they have doubled:
 * once the top-level Pixel Data element (7FE0,0010) shows up, every element before it is
 * complete and nothing more is kept. An object without Pixel Data (SR, RT plan, waveform) is
 * kept whole up to the cap; so is a deflated one, whose data set cannot be parsed in part.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { MedibusError } from '../errors.js';
import { type DicomObject, type DicomReadOptions, holdsWholeHeader, readDicom } from './read.js';

export interface StreamToFileOptions extends Omit<DicomReadOptions, 'totalSize' | 'readAt'> {
  /** refuse objects whose header is larger than this; default 64 MiB */
  readonly maxHeaderBytes?: number;
}

export interface StoredDicom {
  readonly object: DicomObject;
  /** where the whole object now is (the path given) */
  readonly file: string;
  readonly size: number;
  /** sha256 of the whole object, hex, computed while streaming (the manifest's identity) */
  readonly sha256: string;
}

const FIRST_PROBE = 64 * 1024;

/**
 * Writes `input` to `file` (which must not exist; flushed to disk before this resolves) and
 * reads the object's header. A refusal (MedibusError) leaves the file in place, so the caller
 * can move it to `failed/` with the reason; the input is read to its end either way.
 */
export async function streamDicomToFile(input: Readable, file: string, options: StreamToFileOptions = {}): Promise<StoredDicom> {
  const maxHeader = options.maxHeaderBytes ?? 64 * 1024 * 1024;
  const source = options.source ?? file;
  const hash = createHash('sha256');
  const out = createWriteStream(file, { flags: 'wx' });
  await once(out, 'open');
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let headerDone = false;
  let overflow = false;
  let nextProbe = FIRST_PROBE;
  let size = 0;
  try {
    for await (const chunk of input) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      hash.update(buffer);
      size += buffer.length;
      if (!out.write(buffer)) await once(out, 'drain');
      if (headerDone || overflow) continue;
      kept.push(buffer);
      keptBytes += buffer.length;
      if (keptBytes >= nextProbe) {
        nextProbe = keptBytes * 2;
        if (headerComplete(kept, keptBytes)) headerDone = true;
        else if (keptBytes > maxHeader) overflow = true;
        if (headerDone || overflow) {
          // keep the header bytes (one copy) and let go of the chunks
          const header = Buffer.concat(kept, keptBytes);
          kept.length = 0;
          kept.push(header);
        }
      }
    }
    out.end();
    await once(out, 'close');
  } finally {
    out.destroy();
  }
  // durable before the caller answers Success or moves the file on
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (overflow) {
    throw new MedibusError('MEDIBUS_ERR_DICOM_TOO_LARGE', `${source}: no Pixel Data within the first ${maxHeader} bytes, and the object has ${size}; the header is larger than maxHeaderBytes`);
  }
  const header = kept.length === 1 ? kept[0]! : Buffer.concat(kept, keptBytes);
  const fd = openSync(file, 'r');
  try {
    const object = readDicom(header, {
      ...options,
      source,
      totalSize: size,
      readAt: (position, length) => {
        const bytes = Buffer.alloc(length);
        const read = readSync(fd, bytes, 0, length, position);
        return bytes.subarray(0, read);
      },
    });
    return { object, file, size, sha256: hash.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** Joins the kept chunks into one buffer (in place) and asks whether they hold the header. */
function headerComplete(kept: Buffer[], keptBytes: number): boolean {
  if (kept.length > 1) {
    const joined = Buffer.concat(kept, keptBytes);
    kept.length = 0;
    kept.push(joined);
  }
  return holdsWholeHeader(kept[0]!);
}
