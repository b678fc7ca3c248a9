import { describe, expect, it } from 'vitest';
import { loadChannelFile, loadYamlText, channelSchema } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import type { AmqpDestinationConfig } from '../../src/destinations/amqp.js';
import type { FhirDestinationConfig } from '../../src/destinations/fhir.js';
import type { FileDestinationConfig } from '../../src/destinations/file.js';
import type { MllpDestinationConfig } from '../../src/destinations/mllp.js';
import { destinationConfig, fixturePath, repoRoot } from './support.js';

/** Diagnostics of a channel whose only destination is `destination`, as the user reads them. */
function diagnostics(destination: string): string[] {
  const text = `id: t\nsource: { type: mllp, port: 1 }\ndestinations:\n  - ${destination}\n`;
  return loadYamlText(text, 'test.yaml', channelSchema(), { env: {} }).diagnostics.map((d) => formatDiagnostic(d, repoRoot));
}

describe('destination config through the channel loader', () => {
  it('names the missing url of a fhir destination', async () => {
    const { channel, diagnostics: found } = await loadChannelFile(fixturePath('destinations', 'fhir-without-url.yaml'), { env: {} });
    expect(channel).toBeUndefined();
    expect(found.map((d) => formatDiagnostic(d, repoRoot))).toEqual([
      'fixtures/destinations/fhir-without-url.yaml:7:5 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0]: missing required key "url"',
    ]);
  });

  it('loads a channel with one destination of each type, defaults filled and units converted', async () => {
    const env = { EMR_FHIR_URL: 'https://emr.example.org/fhir', EMR_CLIENT_SECRET: 's', PARTNER_AMQP_URL: 'amqp://u:p@mq.example.org', WEBHOOK_PASSWORD: 'w' };
    const { channel, diagnostics: found } = await loadChannelFile(fixturePath('destinations', 'channel-all-destinations.yaml'), { env });
    expect(found).toEqual([]);
    expect(channel?.config.destinations.map((d) => d.type)).toEqual(['fhir', 'mllp', 'amqp', 'http', 'file']);
    expect(channel?.config.destinations[0]).toMatchObject({ timeout: 20_000, auth: { type: 'oauth2', clientAuthentication: 'basic' }, tls: {}, retry: { maxAttempts: 5, initialDelay: 2000 } });
    expect(channel?.config.destinations[4]).toMatchObject({ maxSize: 10 * 1024 * 1024, maxFiles: 3, fsync: false, payload: 'envelope' });
  });

  it('gives each connector its documented defaults', () => {
    expect(destinationConfig<FhirDestinationConfig>({ type: 'fhir', url: 'http://127.0.0.1/fhir' })).toEqual({ url: 'http://127.0.0.1/fhir', timeout: 30_000, prefer: 'minimal', merge: 'none', headers: {}, tls: {} });
    expect(destinationConfig<MllpDestinationConfig>({ type: 'mllp', host: 'lis', port: 2575 })).toEqual({ host: 'lis', port: 2575, timeout: 30_000, connectTimeout: 10_000, maxFrameSize: 1024 * 1024 });
    expect(destinationConfig<AmqpDestinationConfig>({ type: 'amqp', url: 'amqp://mq', exchange: 'x' })).toEqual({ url: 'amqp://mq', exchange: 'x', routingKey: '', payload: 'bundle', timeout: 10_000 });
    expect(destinationConfig<FileDestinationConfig>({ type: 'file', path: 'out.ndjson' })).toEqual({ path: 'out.ndjson', payload: 'envelope', fsync: true, maxSize: 100 * 1024 * 1024, maxFiles: 10 });
  });

  it('explains wrong connector keys in the words of the file', () => {
    expect(diagnostics('{ name: emr, type: fhir, url: "ftp://emr/fhir", timout: 5s }')).toEqual([
      'test.yaml:4:35 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].url: expected a string matching ^https?://[^\\s/?#]+, got "ftp://emr/fhir"',
      'test.yaml:4:53 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].timout: unknown key "timout" in destinations[0] (fhir); expected one of: name, type, url, timeout, prefer, merge, headers, auth, tls, ordering, retry — did you mean "timeout"?',
    ]);
    expect(diagnostics('{ name: emr, type: fhir, url: "http://emr", auth: { type: jwt } }')).toEqual([
      'test.yaml:4:63 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].auth.type: unknown auth type "jwt"; expected one of: bearer, basic, oauth2',
    ]);
    expect(diagnostics('{ name: emr, type: fhir, url: "http://emr", auth: { type: oauth2, tokenUrl: "http://a/t", clientId: c } }')).toEqual([
      'test.yaml:4:55 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].auth: missing required key "clientSecret"',
    ]);
    expect(diagnostics('{ name: lis, type: mllp, port: 2575 }')).toEqual(['test.yaml:4:5 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0]: missing required key "host"']);
    expect(diagnostics('{ name: a, type: file, path: x, payload: bundel }')).toEqual([
      'test.yaml:4:46 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].payload: expected one of: envelope, bundle, hl7, got "bundel" — did you mean "bundle"?',
    ]);
  });
});
