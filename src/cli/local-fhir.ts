/**
 * The two development FHIR servers of `medibus start --local-fhir`, each in its own child
 * process (`medibus fhir-server`), so their request handling, validation and JSON work never
 * share the MLLP listener's event loop (issue 13: in one process the listener answered
 * ~370–1,350 ACKs/s at 8 connections with p99 17–66 ms while the servers worked, against
 * ~2,600/s and p99 ~10 ms alone).
 *
 * A child prints its base URL as its first stdout line that starts with `http`; its other
 * lines (pino logs) are passed through to ours. It is started with an IPC channel and exits
 * when that channel closes (fhir-server.ts), so a `kill -9` of medibus does not leave it
 * holding its port.
 */
import { createInterface } from 'node:readline';
import { spawnMedibusChild, stderrTail, stopChild } from './child-process.js';
import { MedibusError } from '../errors.js';
import type { Logger } from '../log.js';

export interface LocalFhirServer {
  readonly name: string;
  readonly url: string;
  /** the child's process id */
  readonly pid: number;
  stop(): Promise<void>;
}

interface Wanted {
  readonly name: string;
  readonly variable: string;
  readonly port: number;
}

const DEFAULTS: readonly Wanted[] = [
  { name: 'EMR', variable: 'EMR_FHIR_URL', port: 8081 },
  { name: 'central repository', variable: 'CENTRAL_FHIR_URL', port: 8082 },
];

/** the R4 definitions take 3–4 s to load on this machine; a slow CI gets ample margin */
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts the servers whose URL variable is not set, in parallel; on the ports the example
 * channels use unless MEDIBUS_LOCAL_FHIR_PORTS says otherwise (`0,0`: free ports, for tests
 * beside a running quick start). On failure the ones that did start are stopped.
 */
export async function startLocalFhirServers(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<LocalFhirServer[]> {
  const override = (env['MEDIBUS_LOCAL_FHIR_PORTS'] ?? '').split(',').map(Number);
  const wanted = DEFAULTS.filter((s) => !env[s.variable]).map((s, i) => ({
    ...s,
    port: env['MEDIBUS_LOCAL_FHIR_PORTS'] && Number.isInteger(override[i]) ? override[i]! : s.port,
  }));
  const results = await Promise.allSettled(wanted.map((s) => startChild(s, log)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw failure.reason;
  }
  for (const server of started) log.info({ event: 'local-fhir', server: server.name, url: server.url, pid: server.pid }, `local FHIR server (${server.name}) at ${server.url}`);
  return started;
}

function startChild(wanted: Wanted, log: Logger): Promise<LocalFhirServer> {
  const child = spawnMedibusChild(['fhir-server', '--port', String(wanted.port)]);
  const stderr = stderrTail(child);
  return new Promise<LocalFhirServer>((resolve, reject) => {
    let url: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(listenError(wanted, `no answer within ${START_TIMEOUT_MS / 1000} s`));
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (url === undefined && line.startsWith('http')) {
        url = line.trim();
        clearTimeout(timer);
        resolve({ name: wanted.name, url, pid: child.pid ?? -1, stop: () => stopChild(child, STOP_TIMEOUT_MS) });
        return;
      }
      process.stdout.write(`${line}\n`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (url === undefined) {
        const said = stderr().trim().split('\n').at(-1) ?? '';
        const why = /is in use/.test(said) ? `port ${wanted.port} is in use` : said || `it exited (${signal ?? code})`;
        reject(listenError(wanted, why));
      } else if (signal !== 'SIGTERM' && code !== 0) {
        log.error({ event: 'local-fhir-exit', server: wanted.name, code, signal }, `local FHIR server (${wanted.name}) stopped`);
      }
    });
  });
}

function listenError(wanted: Wanted, why: string): MedibusError {
  return new MedibusError('MEDIBUS_ERR_SOURCE_LISTEN', `--local-fhir: the ${wanted.name} FHIR server cannot start: ${why} (set ${wanted.variable} to use another server)`);
}
