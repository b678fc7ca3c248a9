/**
 * docker/compose.yaml, checked without a Docker engine: one image built once, a healthcheck
 * on every service, medibus waiting for healthy services, no host port 5672 taken, and the
 * FHIR URLs naming the compose services (127.0.0.1 in a container is the container).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
}

describe('docker/compose.yaml', async () => {
  const compose = parse(await readFile(new URL('../../docker/compose.yaml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const services = compose.services;

  it('builds the medibus image once and reuses it', () => {
    expect(Object.values(services).filter((s) => s.build !== undefined)).toHaveLength(1);
    for (const name of ['fhir-emr', 'fhir-central', 'medibus', 'medibus-2']) expect(services[name]?.image).toBe('medibus:local');
  });

  it('gives every service a healthcheck, and medibus waits for them to be healthy', () => {
    for (const [name, service] of Object.entries(services)) expect(service.healthcheck?.test.length, name).toBeGreaterThan(0);
    for (const name of ['medibus', 'medibus-2']) {
      expect(Object.keys(services[name]?.depends_on ?? {}).sort(), name).toEqual(['fhir-central', 'fhir-emr', 'postgres', 'rabbitmq']);
      expect(Object.values(services[name]?.depends_on ?? {}).map((d) => d.condition), name).toEqual(['service_healthy', 'service_healthy', 'service_healthy', 'service_healthy']);
    }
  });

  it('does not take host port 5672 from a broker already on the host', () => {
    for (const service of Object.values(services)) for (const port of service.ports ?? []) expect(port).not.toMatch(/(^|:)5672:/);
  });

  it('points both medibus instances at the FHIR, RabbitMQ and PostgreSQL services by name', () => {
    for (const name of ['medibus', 'medibus-2']) {
      const env = services[name]?.environment ?? {};
      expect(env['EMR_FHIR_URL'], name).toBe('http://fhir-emr:8081/fhir');
      expect(env['CENTRAL_FHIR_URL'], name).toBe('http://fhir-central:8082/fhir');
      expect(env['AMQP_URL'], name).toMatch(/@rabbitmq:5672$/);
      expect(env['MEDIBUS_STORE_URL'], name).toMatch(/@postgres:5432\/medibus$/);
    }
  });

  it('gives the two instances different host ports for their listeners', () => {
    const hostPorts = ['medibus', 'medibus-2'].flatMap((name) => (services[name]?.ports ?? []).map((p) => p.split(':').slice(0, -1).join(':')));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });
});

describe('docker/Dockerfile', () => {
  it('copies fixtures/ (medibus test reads them) and its docker run example sets the FHIR URLs', async () => {
    const text = await readFile(new URL('../../docker/Dockerfile', import.meta.url), 'utf8');
    expect(text).toMatch(/^COPY fixtures \.\/fixtures$/m);
    expect(text).toMatch(/docker run .*\n.*-e EMR_FHIR_URL=/);
  });

  it('copies the generated R4 definitions, without which every start reads the full 37 MB', async () => {
    const text = await readFile(new URL('../../docker/Dockerfile', import.meta.url), 'utf8');
    expect(text).toMatch(/^COPY definitions \.\/definitions$/m);
  });
});
