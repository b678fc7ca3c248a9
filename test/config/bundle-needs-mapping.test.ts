/**
 * A destination that sends the FHIR Bundle (fhir, or payload: bundle on http, amqp, file) on a
 * channel without transform.mapping has nothing to send: `medibus validate` says so at load,
 * at the line to change, instead of every message being dead-lettered at run time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../src/config/index.js';
import { loadChannels } from '../../src/config/load.js';
import { channelsDir } from '../support/process.js';

let dir: Awaited<ReturnType<typeof channelsDir>> | undefined;
afterEach(async () => {
  await dir?.remove();
  dir = undefined;
});

const HEAD = `id: feed
source: { type: mllp, host: 127.0.0.1, port: 0 }
`;

async function diagnosticsOf(yaml: string): Promise<string[]> {
  await dir?.remove();
  dir = await channelsDir({ 'feed.yaml': yaml });
  const { diagnostics } = await loadChannels(dir.dir, { env: {} });
  return diagnostics.map((d) => formatDiagnostic(d, dir!.dir));
}

describe('a destination that sends the Bundle needs transform.mapping', () => {
  it('fhir: said at its type', async () => {
    expect(await diagnosticsOf(`${HEAD}destinations:\n  - { name: emr, type: fhir, url: "http://127.0.0.1:8081/fhir" }\n`)).toEqual([
      'feed.yaml:4:24 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].type: type: fhir sends the FHIR Bundle, but this channel has no transform.mapping to make one: add transform: { mapping: <name> }',
    ]);
  });

  it('http with the default payload: said at its type, with the other payload to choose', async () => {
    expect(await diagnosticsOf(`${HEAD}destinations:\n  - name: hook\n    type: http\n    url: http://127.0.0.1:9000/hook\n`)).toEqual([
      'feed.yaml:5:11 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].type: type: http sends the FHIR Bundle (payload: bundle is its default), but this channel has no transform.mapping to make one: add transform: { mapping: <name> }, or set payload: hl7',
    ]);
  });

  it('file with payload: bundle written: said at payload, with every other payload', async () => {
    expect(await diagnosticsOf(`${HEAD}destinations:\n  - name: archive\n    type: file\n    path: /tmp/medibus-archive.ndjson\n    payload: bundle\n`)).toEqual([
      'feed.yaml:7:14 error MEDIBUS_ERR_CONFIG_SCHEMA destinations[0].payload: payload: bundle sends the FHIR Bundle, but this channel has no transform.mapping to make one: add transform: { mapping: <name> }, or set payload: envelope or hl7',
    ]);
  });

  it('is fine with a mapping, with payload: hl7, and for mllp (which forwards the HL7 v2 message)', async () => {
    const ok = `${HEAD}destinations:
  - { name: hook, type: http, url: "http://127.0.0.1:9000/hook", payload: hl7 }
  - { name: emr-v2, type: mllp, host: 127.0.0.1, port: 2575 }
  - { name: bus, type: amqp, url: "amqp://127.0.0.1", exchange: medibus.out, payload: hl7 }
`;
    expect(await diagnosticsOf(ok)).toEqual([]);
    const mapped = `${HEAD}transform: { mapping: adt }\ndestinations:\n  - { name: emr, type: fhir, url: "http://127.0.0.1:8081/fhir" }\n`;
    expect(await diagnosticsOf(mapped)).toEqual([]);
  });
});
