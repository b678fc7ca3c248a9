/**
 * The writer's overflow: when the in-memory bound is reached (the store is slow or away),
 * writes go to append-only NDJSON segment files under `<data dir>/store-spill/`, oldest
 * caught up first, each deleted once written. Segments left by a previous run (a crash or a
 * stop while the store was away) are caught up after a restart too.
 */
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MedibusError } from '../errors.js';
import type { StoreWrite } from './types.js';

type Encoded = { t: 'e'; id: string; e: Record<string, unknown> } | { t: 'c'; m: string; c: Record<string, unknown> };

export function encodeWrite(w: StoreWrite): string {
  const o: Encoded = w.type === 'event'
    ? { t: 'e', id: w.id, e: { ...w.event, at: w.event.at.getTime() } }
    : { t: 'c', m: w.mode, c: { ...w.content, at: w.content.at.getTime(), payload: w.content.payload?.toString('base64') } };
  return JSON.stringify(o);
}

export function decodeWrite(line: string): StoreWrite {
  const o = JSON.parse(line) as Encoded;
  if (o.t === 'e') return { type: 'event', id: o.id, event: { ...(o.e as object), at: new Date(o.e['at'] as number) } as never };
  const payload = typeof o.c['payload'] === 'string' ? Buffer.from(o.c['payload'], 'base64') : undefined;
  const { payload: _drop, ...rest } = o.c;
  return { type: 'content', mode: o.m as never, content: { ...rest, at: new Date(o.c['at'] as number), ...(payload ? { payload } : {}) } as never };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SEGMENT = /^spill-(\d{12})\.ndjson$/;

export class Spill {
  readonly #dir: string;
  readonly #segmentSize: number;
  /** segment numbers on disk, oldest first; the last one is being appended to */
  #segments: number[] = [];
  #linesInLast = 0;
  #count = 0;
  #chain: Promise<void> = Promise.resolve();
  #lockFile: string | undefined;

  constructor(dir: string, segmentSize = 5000) {
    this.#dir = dir;
    this.#segmentSize = segmentSize;
  }

  /** Finds segments left by an earlier run; returns how many writes they hold. */
  async init(): Promise<number> {
    await mkdir(this.#dir, { recursive: true });
    await this.#lock();
    const found = (await readdir(this.#dir)).map((f) => SEGMENT.exec(f)?.[1]).filter((n): n is string => n !== undefined).map(Number).sort((a, b) => a - b);
    for (const n of found) {
      const lines = (await readFile(this.#file(n), 'utf8')).split('\n').filter(Boolean).length;
      this.#count += lines;
    }
    this.#segments = found;
    // never append to a segment of an earlier run: its last line may be torn
    this.#linesInLast = this.#segmentSize;
    return this.#count;
  }

  /**
   * One process per spill directory: two appending to and deleting the same segments would
   * lose writes. A lock left by a process that no longer runs is taken over.
   */
  async #lock(): Promise<void> {
    const file = path.join(this.#dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(file, String(process.pid), { flag: 'wx' });
        this.#lockFile = file;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new MedibusError('MEDIBUS_ERR_STORE_CONFIG', `${this.#dir} is in use by process ${pid}; give each medibus instance its own MEDIBUS_DATA_DIR`);
      }
      await rm(file, { force: true });
    }
  }

  /** releases the directory lock */
  async release(): Promise<void> {
    await this.#chain;
    if (this.#lockFile) await rm(this.#lockFile, { force: true });
    this.#lockFile = undefined;
  }

  /** writes waiting on disk */
  get count(): number {
    return this.#count;
  }

  #file(n: number): string {
    return path.join(this.#dir, `spill-${String(n).padStart(12, '0')}.ndjson`);
  }

  /** Appends, in order; resolves when on disk. */
  append(writes: readonly StoreWrite[]): Promise<void> {
    if (writes.length === 0) return this.#chain;
    this.#count += writes.length;
    const text = writes.map((w) => `${encodeWrite(w)}\n`).join('');
    const next = this.#chain.then(async () => {
      if (this.#segments.length === 0 || this.#linesInLast >= this.#segmentSize) {
        this.#segments.push((this.#segments.at(-1) ?? 0) + 1);
        this.#linesInLast = 0;
      }
      this.#linesInLast += writes.length;
      await appendFile(this.#file(this.#segments.at(-1)!), text, { mode: 0o600 });
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** The oldest segment's writes (closing it if it is the one being appended to), or undefined. */
  async oldest(): Promise<{ readonly segment: number; readonly writes: StoreWrite[] } | undefined> {
    await this.#chain;
    const segment = this.#segments[0];
    if (segment === undefined) return undefined;
    if (this.#segments.length === 1) this.#linesInLast = this.#segmentSize;
    const text = await readFile(this.#file(segment), 'utf8');
    const writes: StoreWrite[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        writes.push(decodeWrite(line));
      } catch {
        // a torn last line after a crash: the write it held was never acknowledged to anyone
      }
    }
    return { segment, writes };
  }

  /** Deletes a segment once all its writes are in the store. */
  async done(segment: number, writes: number): Promise<void> {
    await this.#chain;
    await rm(this.#file(segment), { force: true });
    this.#segments = this.#segments.filter((n) => n !== segment);
    this.#count = Math.max(0, this.#count - writes);
  }
}
