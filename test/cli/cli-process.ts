/**
 * Runs the real `medibus` command as a child process (through tsx, on the sources) and
 * collects what it printed, for the tests of what an operator sees: stderr, the JSON log on
 * stdout, the exit code. A command still running after `timeoutMs` is killed and reported
 * as such (`timedOut`), so a start that hangs on instead of exiting fails the test.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** stdout's JSON log lines */
  readonly log: Record<string, unknown>[];
}

export function runCli(args: readonly string[], options: { env?: Record<string, string | undefined>; cleanEnv?: boolean; timeoutMs?: number; until?: (stdout: string) => boolean } = {}): Promise<CliResult> {
  const base: Record<string, string | undefined> = options.cleanEnv ? { PATH: process.env.PATH } : { ...process.env };
  const env = Object.fromEntries(Object.entries({ ...base, ...options.env }).filter((e): e is [string, string] => e[1] !== undefined));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  let signalled = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 30_000);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!signalled && options.until?.(stdout)) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      const log = stdout.split('\n').flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      resolve({ code, stdout, stderr, timedOut, log });
    });
  });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when a listener can bind 127.0.0.1:port now (nobody holds it). */
export async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise((resolve) => server.close(resolve));
  return bound;
}

/** A directory of channel files, `name → YAML text`. */
export async function channelsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'medibus-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}
