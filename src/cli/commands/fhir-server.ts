/**
 * `medibus fhir-server --port P [--host 127.0.0.1] [--base /fhir]`: an in-memory FHIR R4
 * server standing in for the EMR or the central repository in development and tests. Prints
 * its base URL on stdout (one line, for scripts), serves until SIGINT/SIGTERM, then stops
 * accepting, lets in-flight requests finish and exits 0.
 */
import { cliIo, printedHelp, usageError, type CliDeps, parseOptions } from '../io.js';
import { ERRORS } from '../../errors.js';
import { startFhirServer, type RunningFhirServer, type ValidationMode } from '../../fhir-server/index.js';
import { createLogger } from '../../log.js';
import { exitWithParent } from '../child-process.js';

const USAGE = `usage: medibus fhir-server --port P [--host H] [--base PATH] [--validation MODE] [--history N]

An in-memory FHIR R4 server (read, vread, search, create, update, conditional create/update,
delete, history, batch and atomic transactions), for development and tests. Data is lost
when it stops.

  --port P           TCP port (required; 0 picks a free one)
  --host H           interface to bind (default 127.0.0.1)
  --base PATH        FHIR base path (default /fhir)
  --validation MODE  fast (default), medplum (slower, same rules) or off
  --history N        versions kept per resource (default 10)

Prints the base URL, e.g. http://127.0.0.1:8081/fhir, and serves until SIGINT or SIGTERM.
`;

const MODES: readonly ValidationMode[] = ['fast', 'medplum', 'off'];

export interface FhirServerDeps extends CliDeps {
  /** stops the server when aborted; SIGINT/SIGTERM by default */
  readonly signal?: AbortSignal;
}

interface Args {
  readonly host: string;
  readonly port: number;
  readonly base: string;
  readonly validation: ValidationMode;
  readonly historyLimit: number;
}

export async function run(argv: string[], deps: FhirServerDeps = {}): Promise<number> {
  const io = cliIo(deps);
  const { out, err } = io;
  if (printedHelp(argv, io, USAGE)) return 0;
  const args = readArgs(argv);
  if (typeof args === 'string') {
    return usageError(io, 'fhir-server', args, USAGE);
  }
  if (args.host === '0.0.0.0' || args.host === '::') {
    err(`medibus fhir-server: warning MEDIBUS_ERR_CONFIG_EXPOSED --host ${args.host}: ${ERRORS.MEDIBUS_ERR_CONFIG_EXPOSED.hint}\n`);
  }
  const log = createLogger();
  let server: RunningFhirServer;
  try {
    server = await startFhirServer({ host: args.host, port: args.port, base: args.base, validation: args.validation, historyLimit: args.historyLimit, logger: log });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${args.port} is in use` : code === 'EADDRNOTAVAIL' ? `${args.host} is not an address of this machine` : String(error);
    err(`medibus fhir-server: cannot listen on ${args.host}:${args.port}: ${reason}\n`);
    return 1;
  }
  out(`${server.url}\n`);
  await stopped(deps.signal);
  await server.stop();
  return 0;
}

/** resolves when `signal` aborts, or on the first SIGINT/SIGTERM */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal !== undefined) {
    return new Promise((done) => {
      if (signal.aborted) done();
      else signal.addEventListener('abort', () => done(), { once: true });
    });
  }
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // started by `medibus start --local-fhir` (src/cli/local-fhir.ts): its IPC channel closes
    // when the parent exits, even by SIGKILL, and the server must not outlive it
    exitWithParent(stop);
  });
}

function readArgs(argv: string[]): Args | string {
  const parsed = parseOptions({
    args: argv,
    allowPositionals: false,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string', default: '127.0.0.1' },
      base: { type: 'string', default: '/fhir' },
      validation: { type: 'string', default: 'fast' },
      history: { type: 'string', default: '10' },
    },
  });
  if (typeof parsed === 'string') return parsed;
  const { values } = parsed;
  if (values.port === undefined) return '--port is required';
  const port = Number(values.port);
  if (!/^[0-9]+$/.test(values.port) || port > 65535) return `--port must be an integer 0–65535, got "${values.port}"`;
  const validation = MODES.find((mode) => mode === values.validation);
  if (validation === undefined) return `--validation must be one of ${MODES.join(', ')}, got "${values.validation}"`;
  const historyLimit = Number(values.history);
  if (!/^[0-9]+$/.test(values.history) || historyLimit < 1) return `--history must be a positive integer, got "${values.history}"`;
  if (!/^\/?([A-Za-z0-9._~-]+\/?)*$/.test(values.base)) return `--base must be a path such as /fhir, got "${values.base}"`;
  return { host: values.host, port, base: values.base, validation, historyLimit };
}
