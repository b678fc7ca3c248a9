/**
 * The child processes `medibus start` runs beside itself: the local FHIR servers
 * (local-fhir.ts) and the workers process (workers-process.ts). Each is the same `medibus`
 * command with another subcommand, started with an IPC channel; a child ends when that
 * channel closes (`exitWithParent`), so a `kill -9` of medibus leaves nothing behind.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs `medibus <args>` as a child: the same node, loader flags (tsx under the tests) and
 * environment. `detached`: its own process group, so a Ctrl-C in the terminal reaches medibus
 * alone, which drains and then stops its children in order.
 */
export function spawnMedibusChild(
  args: readonly string[],
  options: { stdio?: 'pipe' | 'inherit'; env?: NodeJS.ProcessEnv; serialization?: 'json' | 'advanced' } = {},
): ChildProcess {
  // dist/cli/main.js, or src/cli/main.ts when medibus itself runs under tsx (tests)
  const main = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url));
  const out = options.stdio ?? 'pipe';
  const stdio: StdioOptions = ['ignore', out, 'pipe', 'ipc'];
  return spawn(process.execPath, [...process.execArgv, main, ...args], {
    stdio,
    detached: true,
    env: options.env ?? process.env,
    serialization: options.serialization ?? 'json',
  });
}

/** Keeps the last `limit` characters a child wrote on stderr (for "why did it stop"), passing them on when `echo`. */
export function stderrTail(child: ChildProcess, limit = 4096, echo = false): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (echo) process.stderr.write(chunk);
    tail = (tail + chunk).slice(-limit);
  });
  return () => tail;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM (the child finishes its in-flight work), SIGKILL after `timeoutMs`. */
export function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * In a child: calls `stop` when the parent goes (its IPC channel closes, even when the parent
 * was killed with SIGKILL), and exits after `graceMs` if stopping takes longer. No-op in a
 * process started without an IPC channel.
 */
export function exitWithParent(stop: () => void, graceMs?: number): void {
  if (!process.connected) return;
  process.once('disconnect', () => {
    if (graceMs !== undefined) setTimeout(() => process.exit(1), graceMs).unref();
    stop();
  });
}
