/**
 * Runs medibus as a real separate process (`medibus start`), for the tests that kill it,
 * run two of it, or restart the broker under it. The process runs the TypeScript sources
 * through tsx's loader in the same node process, so `kill -9` kills medibus itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface MedibusProcess {
  readonly pid: number;
  /** every log line so far (JSON objects) */
  readonly lines: Record<string, unknown>[];
  /** resolves when a log line matches, fails after timeoutMs */
  waitForLine(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL: no shutdown code runs (a crash, a power cut) */
  kill9(): Promise<void>;
  /** SIGTERM: graceful shutdown; resolves with the exit code */
  stop(): Promise<number | null>;
}

export async function spawnMedibus(options: { channelsDir: string; env?: Record<string, string>; name?: string; nodeArgs?: readonly string[] }): Promise<MedibusProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'start', '--channels', options.channelsDir, '--mappings', path.join(ROOT, 'mappings')],
    { cwd: ROOT, env: { ...process.env, MEDIBUS_LOG_LEVEL: 'info', MEDIBUS_STORE_URL: 'off', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const handle: MedibusProcess = {
    pid: child.pid ?? -1,
    lines,
    waitForLine(match, timeoutMs = 60_000) {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`medibus ${options.name ?? ''}: no matching log line within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`medibus ${options.name ?? ''} exited (${code}) before the expected log line; stderr: ${stderr.slice(-2000)}`));
        });
      });
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  await handle.waitForLine((l) => l.event === 'started', 60_000);
  return handle;
}

/** A TCP port free right now on 127.0.0.1 (for a child process's listener). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A temporary channels directory holding the given files; removed by the returned function. */
export async function channelsDir(files: Record<string, string>): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'medibus-channels-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
