/**
 * An append-only file of whole lines, rotated by size, for the file destination.
 *
 * Appends run one at a time, so lines never interleave. Each append is one write (then
 * fdatasync when asked): a line is either whole in the file or, after a failed write or a
 * crash mid-write, cut off — and a cut-off tail is truncated away (on the failure itself,
 * or when the file is next opened), so every line in the file parses.
 *
 * Rotation: `out.ndjson` → `out.1.ndjson` → `out.2.ndjson` … up to `maxFiles` kept, the
 * oldest dropped; the current file is renamed, never copied, so rotation is cheap and a
 * reader that has the file open keeps reading what it had.
 */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface RotatingFileOptions {
  /** bytes; a file is rotated before a line would take it past this (a longer line gets a file alone) */
  readonly maxSize: number;
  /** rotated files kept besides the current one; 0 keeps none */
  readonly maxFiles: number;
  /** fdatasync after every line: the line is on disk when append resolves */
  readonly fsync: boolean;
}

const NEWLINE = 0x0a;
const SCAN_CHUNK = 64 * 1024;

export class RotatingFile {
  readonly file: string;
  readonly #options: RotatingFileOptions;
  #handle: FileHandle | undefined;
  #size = 0;
  #tail: Promise<void> = Promise.resolve();

  constructor(file: string, options: RotatingFileOptions) {
    this.file = path.resolve(file);
    this.#options = options;
  }

  /** `rotated(i)` of the i-th older file: out.ndjson → out.1.ndjson; no extension: out → out.1 */
  rotated(index: number): string {
    const ext = path.extname(this.file);
    return `${this.file.slice(0, this.file.length - ext.length)}.${index}${ext}`;
  }

  /**
   * Appends `line` (which must end with \n) after every earlier append; `ready` runs just
   * before the write and may throw to skip it (an aborted delivery). Rejects with the
   * file system's error, the file left as it was.
   */
  append(line: Buffer, ready: () => void = () => undefined): Promise<{ rotated: boolean }> {
    const run = this.#tail.then(() => {
      ready();
      return this.#write(line);
    });
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async close(): Promise<void> {
    await this.#tail;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #write(line: Buffer): Promise<{ rotated: boolean }> {
    let handle = await this.#open();
    let rotated = false;
    if (this.#size > 0 && this.#size + line.length > this.#options.maxSize) {
      await this.#rotate();
      handle = await this.#open();
      rotated = true;
    }
    const before = this.#size;
    try {
      let offset = 0;
      while (offset < line.length) offset += (await handle.write(line, offset, line.length - offset)).bytesWritten;
      if (this.#options.fsync) await handle.datasync();
      this.#size = before + line.length;
      return { rotated };
    } catch (error) {
      // ENOSPC may have left part of the line: cut it off, so that the file stays whole lines,
      // and open afresh next time (the disk, or the permissions, may have been fixed).
      await handle.truncate(before).catch(() => undefined);
      await this.#forget();
      throw error;
    }
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle;
    await mkdir(path.dirname(this.file), { recursive: true });
    const handle = await open(this.file, 'a+');
    try {
      this.#size = await wholeLines(handle);
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.#handle = handle;
    return handle;
  }

  async #forget(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  async #rotate(): Promise<void> {
    await this.#forget();
    const { maxFiles } = this.#options;
    // oldest first, so that each rename lands on a name just freed (rename replaces the target)
    for (let i = maxFiles - 1; i >= 1; i--) await ignoreMissing(rename(this.rotated(i), this.rotated(i + 1)));
    if (maxFiles >= 1) await rename(this.file, this.rotated(1));
    else await unlink(this.file);
    await syncDirectory(path.dirname(this.file));
  }
}

/**
 * The file's size once a cut-off last line (a crash mid-write) is truncated away: the byte
 * after the last \n. Scans back from the end in chunks.
 */
async function wholeLines(handle: FileHandle): Promise<number> {
  const { size } = await handle.stat();
  let end = size;
  const chunk = Buffer.alloc(SCAN_CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - SCAN_CHUNK);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at >= 0) {
      const whole = start + at + 1;
      if (whole < size) await handle.truncate(whole);
      return whole;
    }
    end = start;
  }
  if (size > 0) await handle.truncate(0);
  return 0;
}

async function ignoreMissing(operation: Promise<void>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** makes the renames durable (POSIX: a rename is in the directory, which has its own fsync); not possible on Windows */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
