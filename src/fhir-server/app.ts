/**
 * The development FHIR R4 server as a fastify app: built by a factory that never listens
 * (tests call `inject()`; index.ts listens), one plugin per concern:
 *
 *   plugins/wire.ts   bodies in, `application/fhir+json` and OperationOutcomes out
 *   plugins/about.ts  `metadata` (CapabilityStatement) and `_medibus/stats`
 *   plugins/rest.ts   every FHIR interaction, through medplum's FhirRouter
 *
 * State lives in a MedibusRepository (repository.ts): medplum's MemoryRepository with an
 * identifier index, validation, atomic transactions and bounded history.
 */
import fastify, { type FastifyInstance } from 'fastify';
import { silentLogger, type Logger } from '../log.js';
import { loadFhirDefinitions } from './definitions.js';
import about from './plugins/about.js';
import rest from './plugins/rest.js';
import wire from './plugins/wire.js';
import { MedibusRepository, type ValidationMode } from './repository.js';

export interface FhirServerOptions {
  /** path of the FHIR base, e.g. `/fhir` (the default) or `/` */
  readonly base?: string;
  /** operational log: 5xx answers only, never bodies; silent by default */
  readonly logger?: Logger;
  /** the store; pass one to look into it or to share it, else a new one is made */
  readonly repository?: MedibusRepository;
  /** for a new repository: how resources are validated (default `fast`) */
  readonly validation?: ValidationMode;
  /** for a new repository: versions kept per resource (default 10) */
  readonly historyLimit?: number;
  /** largest request body in bytes (default 64 MiB: a batch of large bundles) */
  readonly bodyLimit?: number;
  /**
   * who runs transactions once their conditional entries are resolved: `direct`
   * (transaction-run.ts, for creates, updates and reads; the default) or always medplum's
   * BatchProcessor (slower; for comparing the two)
   */
  readonly transactions?: 'direct' | 'medplum';
}

export function buildFhirServer(options: FhirServerOptions = {}): FastifyInstance {
  loadFhirDefinitions();
  const base = normaliseBase(options.base ?? '/fhir');
  const log = options.logger ?? silentLogger;
  const repository = options.repository ?? new MedibusRepository({ validation: options.validation, historyLimit: options.historyLimit });
  const app = fastify({
    bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024,
    // `/fhir` and `/fhir/` are the same base (POST of a transaction goes to either)
    routerOptions: { ignoreTrailingSlash: true },
    // 1,500 bundles/s would be 3,000 log lines/s; failures are logged by plugins/wire.ts
    logger: false,
  });
  app.register(wire, { log });
  app.register(about, { prefix: base, repository });
  app.register(rest, { prefix: base, repository, transactions: options.transactions ?? 'direct' });
  return app;
}

/** `/fhir/` → `/fhir`; `/` and `` → `` (the server root is the base) */
export function normaliseBase(base: string): string {
  const trimmed = base.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed.startsWith('/') ? trimmed : `/${trimmed}`)) {
    throw new Error(`invalid FHIR base path "${base}": expected something like /fhir`);
  }
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
