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
    out: deps.out ?? ((text: string) => void process.stdout.write(text)),
    err: deps.err ?? ((text: string) => void process.stderr.write(text)),
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
