/**
 * What the server says about itself: `GET [base]/metadata`, the CapabilityStatement every
 * FHIR server has (R4 http.html#capabilities), and `GET [base]/_medibus/stats`, the number
 * of resources stored by type, for operators and for tests that check what a run delivered.
 */
import { createRequire } from 'node:module';
import { getResourceTypes, getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { FastifyPluginAsync } from 'fastify';
import type { MedibusRepository } from '../repository.js';
import { FHIR_JSON } from './wire.js';

export interface AboutOptions {
  readonly repository: MedibusRepository;
}

const about: FastifyPluginAsync<AboutOptions> = async (app, { repository }) => {
  const statement = capabilityStatement();
  const prefix = app.prefix;

  app.get('/metadata', async (request, reply) => {
    const url = `${request.protocol}://${request.host}${prefix}`;
    return reply.header('content-type', FHIR_JSON).send({ ...statement, implementation: { description: 'medibus development FHIR server', url } });
  });

  app.get('/_medibus/stats', async (_request, reply) => {
    const resources = repository.counts();
    const total = Object.values(resources).reduce((sum, n) => sum + n, 0);
    return reply.header('content-type', 'application/json; charset=utf-8').send({ total, resources });
  });
};
export default about;

/**
 * What this server does, per resource type: everything medplum's router routes
 * (fhirrouter.ts), versioned, update-as-create, conditional create/update/delete on a single
 * match; and the search parameters @medplum/core knows for the type. JSON only.
 */
function capabilityStatement(): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = getResourceTypes()
    .filter((type: string) => type !== 'Resource' && type !== 'DomainResource')
    .sort()
    .map((type) => ({
      type,
      interaction: (['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'] as const).map((code) => ({ code })),
      versioning: 'versioned',
      readHistory: true,
      updateCreate: true,
      conditionalCreate: true,
      conditionalUpdate: true,
      conditionalDelete: 'single',
      searchParam: Object.values(getSearchParameters(type) ?? {}).map((param) => ({
        name: param.code ?? param.name ?? '',
        type: param.type ?? 'token',
        ...(param.url === undefined ? {} : { definition: param.url }),
      })),
    }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'medibus fhir-server', version: packageVersion() },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'In-memory FHIR R4 server for development and tests. Transactions are atomic; conditional update and create on identifier=system|value are indexed. Resources are validated on write.',
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
        resource,
      },
    ],
  };
}

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
