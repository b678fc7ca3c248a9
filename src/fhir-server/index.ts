/**
 * A listening development FHIR server, for `medibus fhir-server`, for the engine's dev mode
 * (`medibus start --local-fhir` runs two: the EMR on 8081, the central repository on 8082)
 * and for tests that need a real socket (delivery over HTTP, outages by stop/start).
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { buildFhirServer, normaliseBase } from './app.js';
import { MedibusRepository, type ValidationMode } from './repository.js';

export { buildFhirServer, type FhirServerOptions } from './app.js';
export { MedibusRepository, type ValidationMode } from './repository.js';

export interface StartFhirServerOptions {
  /** interface to bind; 127.0.0.1 unless told otherwise (a dev server holds patient data) */
  readonly host?: string;
  /** 0 picks a free port (tests) */
  readonly port: number;
  readonly base?: string;
  readonly logger?: Logger;
  /** keep the stored resources across a stop/start (outage tests), by passing the old repository */
  readonly repository?: MedibusRepository;
  readonly validation?: ValidationMode;
  readonly historyLimit?: number;
}

export interface RunningFhirServer {
  /** the FHIR base URL, e.g. `http://127.0.0.1:8081/fhir` */
  readonly url: string;
  readonly repository: MedibusRepository;
  /** stops listening and closes keep-alive connections; resolves once the port is free */
  stop(): Promise<void>;
}

export async function startFhirServer(options: StartFhirServerOptions): Promise<RunningFhirServer> {
  const host = options.host ?? '127.0.0.1';
  const base = normaliseBase(options.base ?? '/fhir');
  const repository = options.repository ?? new MedibusRepository({ validation: options.validation, historyLimit: options.historyLimit });
  const app = buildFhirServer({ base, logger: options.logger, repository });
  await app.listen({ host, port: options.port });
  const { port } = app.server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}${base}`,
    repository,
    stop: () => {
      // idle keep-alive sockets would hold close() until they time out; a stopped server
      // is an outage to its clients, so they are dropped at once
      stopping ??= (async () => {
        app.server.closeIdleConnections();
        await app.close();
      })();
      return stopping;
    },
  };
}
