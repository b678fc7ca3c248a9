/**
 * Keeps a tls block's material current: watches the directories of its files (fs.watch, so a
 * renewal written by rename — certbot, cert-manager's `..data` symlink swap — is seen at once)
 * and polls them as well (fs.watch misses events on network file systems and in some
 * containers). A change is taken only when the files read back as a whole that node:tls
 * accepts: a certificate renewed before its key is left waiting, the old pair stays in use,
 * and the next event or poll takes the new pair.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { TlsConfig } from './config.js';
import { loadTlsMaterial, tlsPaths, type TlsMaterial } from './material.js';

export interface TlsWatchOptions {
  /** names the block in logs and errors, e.g. `channel adt source.tls` */
  readonly where: string;
  readonly log: Logger;
  /** ms between polls (default 30 s, or MEDIBUS_TLS_POLL_INTERVAL ms); 0 turns polling off */
  readonly pollIntervalMs?: number;
}

/** quiet time after a file event before re-reading: a writer's several writes become one reload */
const SETTLE_MS = 150;
const DEFAULT_POLL_MS = 30_000;

export class TlsWatcher {
  readonly #config: TlsConfig;
  readonly #options: TlsWatchOptions;
  readonly #log: Logger;
  readonly #listeners: ((material: TlsMaterial) => void)[] = [];
  readonly #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #current: TlsMaterial;
  #failing = false;
  #reloads = 0;

  /** loads the files now; throws MEDIBUS_ERR_TLS_CONFIG if they cannot be used */
  constructor(config: TlsConfig, options: TlsWatchOptions) {
    this.#config = config;
    this.#options = options;
    this.#log = options.log;
    this.#current = loadTlsMaterial(config, options.where);
    this.#logLoaded('TLS certificate loaded');
  }

  get current(): TlsMaterial {
    return this.#current;
  }

  /** successful reloads since start */
  get reloads(): number {
    return this.#reloads;
  }

  /** `fn` runs with the new material after each reload that changed it */
  onChange(fn: (material: TlsMaterial) => void): void {
    this.#listeners.push(fn);
  }

  /** starts watching the files (idempotent); nothing to watch when the block holds PEM text only */
  start(): void {
    if (this.#watchers.length > 0 || this.#poll !== undefined) return;
    const dirs = new Map<string, Set<string>>();
    for (const file of tlsPaths(this.#config)) {
      const abs = path.resolve(file);
      const names = dirs.get(path.dirname(abs)) ?? new Set<string>();
      names.add(path.basename(abs));
      dirs.set(path.dirname(abs), names);
    }
    if (dirs.size === 0) return;
    for (const dir of dirs.keys()) {
      try {
        const watcher = watch(dir, { persistent: false }, () => this.#schedule());
        watcher.on('error', () => undefined);
        this.#watchers.push(watcher);
      } catch (error) {
        this.#log.warn({ dir, errCode: (error as NodeJS.ErrnoException).code }, 'cannot watch TLS directory; relying on polling');
      }
    }
    const interval = this.#options.pollIntervalMs ?? (Number(process.env['MEDIBUS_TLS_POLL_INTERVAL']) || DEFAULT_POLL_MS);
    if (interval > 0) {
      this.#poll = setInterval(() => this.check(), interval);
      this.#poll.unref();
    }
  }

  close(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers.length = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#poll !== undefined) clearInterval(this.#poll);
    this.#timer = this.#poll = undefined;
  }

  /** Re-reads the files now; true when the material changed and was taken. */
  check(): boolean {
    let next: TlsMaterial;
    try {
      next = loadTlsMaterial(this.#config, this.#options.where);
    } catch (error) {
      // logged once per failing spell, not at every poll
      if (!this.#failing) {
        this.#log.warn({ where: this.#options.where, reason: error instanceof Error ? error.message : String(error) }, 'TLS files changed but cannot be used yet; keeping the previous certificate');
      }
      this.#failing = true;
      return false;
    }
    this.#failing = false;
    if (next.digest === this.#current.digest) return false;
    this.#current = next;
    this.#reloads += 1;
    this.#logLoaded('TLS certificate reloaded');
    for (const fn of this.#listeners) {
      try {
        fn(next);
      } catch (error) {
        this.#log.error({ where: this.#options.where, reason: error instanceof Error ? error.message : String(error) }, 'applying reloaded TLS files failed');
      }
    }
    return true;
  }

  #schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.check();
    }, SETTLE_MS);
    this.#timer.unref();
  }

  #logLoaded(what: string): void {
    const cert = this.#current.certificate;
    if (cert === undefined) {
      this.#log.info({ where: this.#options.where }, what);
      return;
    }
    const days = Math.floor((cert.notAfter.getTime() - Date.now()) / 86_400_000);
    const fields = { where: this.#options.where, subject: cert.subject, notAfter: cert.notAfter.toISOString(), fingerprint: cert.fingerprint, daysLeft: days };
    if (days < 0) this.#log.error(fields, `${what}: it has EXPIRED`);
    else if (days < 30) this.#log.warn(fields, `${what}: it expires in ${days} days`);
    else this.#log.info(fields, what);
  }
}
