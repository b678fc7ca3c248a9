/**
 * The watched-folder machinery both folder sources share (csv-folder, dicom-folder): a scan of
 * the folder every `pollInterval` (fs.watch only wakes the scan early: it misses events on
 * network shares and after a rename storm, a scan does not), a settle rule (a file is taken
 * only once its size and mtime have not changed for `settle` ms: the writer is done), a
 * bounded number of files handled at once, and the moves to done/ and failed/.
 *
 * What happens to a file is the handler's answer: `done` and `failed` move it (failed with a
 * `<name>.reason.txt` beside it); `retry` leaves it where it is, to be taken again after
 * `retryDelay` (the broker was down: the file is the sender's copy, kept until it is durable).
 * While a file waits for a retry, `.medibus/<name>.waiting.txt` in the folder says why (the
 * sender's "not yet", removed once the file moved). A file is never moved before its handler resolved, so a crash at any point leaves every
 * file either in the folder (taken again on restart) or moved once its content was durable.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Logger } from '../../log.js';

export type FileOutcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string };

export interface FolderWatchOptions {
  readonly dir: string;
  /** file name glob: `*` and `?`, case-insensitive (`*.csv`, `*.dcm`) */
  readonly pattern: string;
  readonly doneDir: string;
  readonly failedDir: string;
  /** ms a file's size and mtime must stay unchanged before it is read */
  readonly settle: number;
  /** ms between scans */
  readonly pollInterval: number;
  /** ms before a file answered `retry` is taken again */
  readonly retryDelay: number;
  /** files handled at once */
  readonly concurrency: number;
  readonly log: Logger;
  /** `target` is where a done file will be moved (a DICOM message names it before the move) */
  handle(file: string, name: string, target: string, signal: AbortSignal): Promise<FileOutcome>;
}

/** The folder's own state: checkpoints, waiting reasons. */
export function stateDir(dir: string): string {
  return join(dir, '.medibus');
}

/** `*.csv` → /^.*\.csv$/i */
export function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** A free name in `dir` for `name`: itself, else `<base>.<n><ext>` (the same file dropped twice keeps both). */
export async function freeTarget(dir: string, name: string): Promise<string> {
  const ext = extname(name);
  const base = ext === '' ? name : name.slice(0, -ext.length);
  for (let n = 0; ; n++) {
    const candidate = join(dir, n === 0 ? name : `${base}.${n}${ext}`);
    if (!(await exists(candidate))) return candidate;
  }
}

/** Whoever watches the folder reads a reason file whole or not at all: written aside, renamed in. */
async function writeWhole(path: string, text: string): Promise<void> {
  const aside = `${path}.${process.pid}.tmp`;
  await writeFile(aside, text, 'utf8');
  await rename(aside, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
}

export class FolderWatcher {
  readonly #o: FolderWatchOptions;
  readonly #match: RegExp;
  readonly #seen = new Map<string, Seen>();
  readonly #busy = new Map<string, Promise<void>>();
  readonly #retryAt = new Map<string, number>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #scanning = false;
  #stopped = false;

  constructor(options: FolderWatchOptions) {
    this.#o = options;
    this.#match = globRegExp(options.pattern);
  }

  async start(): Promise<void> {
    await mkdir(this.#o.dir, { recursive: true });
    await mkdir(this.#o.doneDir, { recursive: true });
    await mkdir(this.#o.failedDir, { recursive: true });
    await mkdir(stateDir(this.#o.dir), { recursive: true });
    try {
      this.#watcher = watch(this.#o.dir, { persistent: false }, () => this.#soon());
      this.#watcher.on('error', () => undefined);
    } catch {
      // no inotify (some network shares): the scan alone finds the files
    }
    this.#schedule(0);
  }

  /** Stops taking files and waits for the ones being handled (their handlers see the abort). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#abort.abort();
    await Promise.allSettled([...this.#busy.values()]);
  }

  get active(): number {
    return this.#busy.size;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#scan(), ms);
  }

  /** a change in the folder: scan soon (a burst of events makes one scan) */
  #soon(): void {
    if (!this.#scanning) this.#schedule(Math.min(20, this.#o.pollInterval));
  }

  async #scan(): Promise<void> {
    if (this.#stopped || this.#scanning) return;
    this.#scanning = true;
    let next = this.#o.pollInterval;
    try {
      const names = (await readdir(this.#o.dir, { withFileTypes: true })).filter((e) => e.isFile() && this.#match.test(e.name)).map((e) => e.name);
      const now = Date.now();
      const present = new Set(names);
      for (const name of this.#seen.keys()) if (!present.has(name)) this.#seen.delete(name);
      for (const name of names.sort()) {
        if (this.#busy.has(name)) continue;
        if ((this.#retryAt.get(name) ?? 0) > now) continue;
        let info;
        try {
          info = await stat(join(this.#o.dir, name));
        } catch {
          continue;
        }
        const seen = this.#seen.get(name);
        if (!seen || seen.size !== info.size || seen.mtimeMs !== info.mtimeMs) {
          this.#seen.set(name, { size: info.size, mtimeMs: info.mtimeMs, since: now });
          next = Math.min(next, this.#o.settle);
          continue;
        }
        const waited = now - seen.since;
        if (waited < this.#o.settle) {
          next = Math.min(next, this.#o.settle - waited);
          continue;
        }
        if (this.#busy.size >= this.#o.concurrency) break;
        this.#take(name);
      }
    } catch (error) {
      this.#o.log.warn({ event: 'folder-scan-failed', dir: this.#o.dir, reason: error instanceof Error ? error.message : String(error) }, 'cannot list the watched folder');
    } finally {
      this.#scanning = false;
      this.#schedule(Math.max(next, 5));
    }
  }

  #take(name: string): void {
    const file = join(this.#o.dir, name);
    const work = (async () => {
      const target = await freeTarget(this.#o.doneDir, name);
      let outcome: FileOutcome;
      try {
        outcome = await this.#o.handle(file, name, target, this.#abort.signal);
      } catch (error) {
        outcome = { kind: 'retry', reason: error instanceof Error ? error.message : String(error) };
      }
      await this.#settle(file, name, target, outcome);
    })().finally(() => {
      this.#busy.delete(name);
      this.#seen.delete(name);
      this.#soon();
    });
    this.#busy.set(name, work);
  }

  async #settle(file: string, name: string, target: string, outcome: FileOutcome): Promise<void> {
    const waiting = join(stateDir(this.#o.dir), `${name}.waiting.txt`);
    try {
      if (outcome.kind === 'done') {
        this.#retryAt.delete(name);
        await rename(file, target);
        await rm(waiting, { force: true });
      } else if (outcome.kind === 'failed') {
        this.#retryAt.delete(name);
        const moved = await freeTarget(this.#o.failedDir, name);
        // the reason first: whoever sees the file in failed/ finds why beside it
        await writeWhole(`${moved}.reason.txt`, `${outcome.reason}\n`);
        await rename(file, moved);
        await rm(waiting, { force: true });
      } else {
        this.#retryAt.set(name, Date.now() + this.#o.retryDelay);
        await writeWhole(waiting, `${outcome.reason}\n`);
      }
    } catch (error) {
      // the file went away (an operator moved it) or the folder is read-only: say so, go on
      this.#o.log.warn({ event: 'folder-move-failed', file: basename(file), reason: error instanceof Error ? error.message : String(error) }, 'cannot move the file');
    }
  }
}
