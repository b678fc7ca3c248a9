/**
 * What both watched-folder drivers share (csv-folder, dicom-folder): a temporary folder, the
 * `source:` keys every folder has (short settle and poll, so a case runs in seconds), and a
 * client that behaves like an exporting system:
 *   - `send` drops the file atomically (written under a dot name, which the pattern does not
 *     take, then renamed in) under a name derived from its content, and waits for its answer:
 *     the file in done/ (positive), in failed/ with `<name>.reason.txt` (negative, refused), or
 *     a fresh `.medibus/<name>.waiting.txt` (negative, "not yet": the file stays, it is the
 *     sender's copy and is taken again). It rejects when nothing happens in time.
 *   - a resend after "not yet" does not drop a second copy: the first one is still in the
 *     folder (or already in done/), which is what a sender keeping its message means here.
 * The answer's code is the outcome (`done`, `failed`, `waiting`); error and reason come from
 * the reason file (`MEDIBUS_ERR_…: why`).
 * `released`: the folder is no longer watched — a file dropped after stop stays where it is.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../../broker/helpers.js';
import type { SourceAnswer, SourceClient, SourceLimits, SourceSetup } from '../source.js';

const POLL_MS = 50;

export interface FolderPeer {
  readonly dir: string;
  /** the `source:` keys every folder source has */
  readonly folderKeys: Record<string, unknown>;
  client(): SourceClient;
  released(): Promise<boolean>;
  cleanup(): void;
}

function answerOf(code: string, text: string): SourceAnswer {
  const line = text.trim();
  const error = /^(MEDIBUS_ERR_[A-Z0-9_]+)/.exec(line)?.[1] ?? '';
  return { positive: false, code, error, reason: error === '' ? line : line.slice(error.length).replace(/^:\s*/, '') };
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

export function folderPeer(limits: SourceLimits, ext: string): FolderPeer {
  const dir = mkdtempSync(join(tmpdir(), 'conf-folder-'));
  const done = join(dir, 'done');
  const failed = join(dir, 'failed');
  const state = join(dir, '.medibus');
  let probes = 0;

  const client = (): SourceClient => {
    let closed = false;
    return {
      async send(input, timeoutMs) {
        const name = `${createHash('sha256').update(input).digest('hex').slice(0, 16)}${ext}`;
        const since = Date.now();
        if (existsSync(join(done, name))) return { positive: true, code: 'done', error: '', reason: '' };
        if (!existsSync(join(dir, name))) {
          const aside = join(dir, `.${name}.part`);
          writeFileSync(aside, input);
          renameSync(aside, join(dir, name));
        }
        const deadline = since + timeoutMs;
        while (!closed && Date.now() < deadline) {
          if (existsSync(join(done, name))) return { positive: true, code: 'done', error: '', reason: '' };
          const reason = join(failed, `${name}.reason.txt`);
          if (existsSync(reason)) return answerOf('failed', readFileSync(reason, 'utf8'));
          const waiting = join(state, `${name}.waiting.txt`);
          if ((mtimeOf(waiting) ?? 0) >= since) return answerOf('waiting', readFileSync(waiting, 'utf8'));
          await sleep(20);
        }
        throw new Error(closed ? 'the client was closed' : `no answer for ${name} within ${timeoutMs} ms`);
      },
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
  };

  return {
    dir,
    folderKeys: { dir, settle: '50ms', pollInterval: `${POLL_MS}ms`, retryDelay: '200ms', concurrency: 4, ackTimeout: `${limits.ackTimeoutMs}ms` },
    client,
    async released() {
      // a probe the pattern takes: a watcher would have it settled and taken within a few polls
      const name = `released-probe-${++probes}${ext}`;
      writeFileSync(join(dir, name), 'probe');
      await sleep(POLL_MS * 6 + 200);
      const untouched = existsSync(join(dir, name)) && !existsSync(join(done, name)) && !existsSync(join(failed, name));
      rmSync(join(dir, name), { force: true });
      return untouched;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The parts of a SourceSetup a folder driver shares. */
export function folderSetup(peer: FolderPeer, source: Record<string, unknown>): SourceSetup {
  return {
    source: { ...source, ...peer.folderKeys },
    connect: () => Promise.resolve(peer.client()),
    released: () => peer.released(),
    cleanup: () => peer.cleanup(),
  };
}
