/**
 * What every command shares: where it writes (stdout and stderr, unless a test passes its
 * own), `--help`, option parsing, and the usage error that exits 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../errors.js';

export interface CliDeps {
  /** stdout by default */
  readonly out?: (text: string) => void;
  /** usage and fatal errors; stderr by default */
  readonly err?: (text: string) => void;
}

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export function cliIo(deps: CliDeps): CliIo {
  return {
    out: deps.out ?? stdoutWriter(),
    err: deps.err ?? ((text: string) => void process.stderr.write(text)),
  };
}

let stdoutWatch: { closed(): boolean } | undefined;

/**
 * `medibus … | head`: once the reader closes the pipe, a write fails with EPIPE (Node ignores
 * SIGPIPE). Without a listener that 'error' is an uncaught exception and a stack trace; with
 * it, every command's output stops quietly and the command exits with its own code. One
 * listener per process; `closed()` lets a long command (convert DIR) stop early.
 */
export function watchStdout(): { closed(): boolean } {
  if (stdoutWatch === undefined) {
    let closed = false;
    // kept after the command returns: a write still buffered may fail once main has finished
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && !closed) throw error;
      closed = true;
    });
    stdoutWatch = { closed: () => closed };
  }
  return stdoutWatch;
}

function stdoutWriter(): (text: string) => void {
  const stdout = watchStdout();
  return (text) => {
    if (!stdout.closed()) process.stdout.write(text);
  };
}

/** `--help` or `-h` anywhere: prints the usage on stdout and says so */
export function printedHelp(argv: readonly string[], io: CliIo, usage: string): boolean {
  if (!argv.includes('--help') && !argv.includes('-h')) return false;
  io.out(usage);
  return true;
}

/** `medibus <command>: <problem>` and the usage on stderr; the exit code of a usage error */
export function usageError(io: CliIo, command: string, problem: string, usage: string): number {
  io.err(`medibus ${command}: ${problem}\n\n${usage}`);
  return 2;
}

/** node:util parseArgs; what it refuses (an unknown option, a missing value) comes back as the problem text */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> | string {
  try {
    return parseArgs(config);
  } catch (error) {
    return errorMessage(error);
  }
}
