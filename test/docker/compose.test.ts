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
  const compose = parse(await readFile(new URL('../../docker/compose.yaml', import.meta.url), 'utf8')) as { services: Record<string, Service> };
  const services = compose.services;

  it('builds the medibus image once and reuses it', () => {
    expect(Object.values(services).filter((s) => s.build !== undefined)).toHaveLength(1);
    for (const name of ['fhir-emr', 'fhir-central', 'medibus']) expect(services[name]?.image).toBe('medibus:local');
  });

  it('gives every service a healthcheck, and medibus waits for them to be healthy', () => {
    for (const [name, service] of Object.entries(services)) expect(service.healthcheck?.test.length, name).toBeGreaterThan(0);
    expect(Object.values(services['medibus']?.depends_on ?? {}).map((d) => d.condition)).toEqual(['service_healthy', 'service_healthy', 'service_healthy']);
  });

  it('does not take host port 5672 from a broker already on the host', () => {
    for (const service of Object.values(services)) for (const port of service.ports ?? []) expect(port).not.toMatch(/(^|:)5672:/);
  });

  it('points medibus at the FHIR and RabbitMQ services by name', () => {
    const env = services['medibus']?.environment ?? {};
    expect(env['EMR_FHIR_URL']).toBe('http://fhir-emr:8081/fhir');
    expect(env['CENTRAL_FHIR_URL']).toBe('http://fhir-central:8082/fhir');
    expect(env['AMQP_URL']).toMatch(/@rabbitmq:5672$/);
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
