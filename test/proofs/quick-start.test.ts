/**
 * The README's quick start, as a new user runs it: the example channels of `channels/`
 * (their files, their mappings; only the channel ids are made unique, and the ports and
 * FHIR URLs come from the environment variables the files declare), `medibus send` of the
 * fixtures the README names, and what the README says each one does.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as send } from '../../src/cli/commands/send.js';
import { loadChannels } from '../../src/config/index.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir, freePort } from '../support/process.js';
import { byIdentifier, count, fhirPair } from './support.js';
import type { Patient } from '@medplum/fhirtypes';

const ROOT = new URL('../../', import.meta.url);
const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/hl7/edge/${name}`, ROOT));

let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
let running: RunningEngine | undefined;
let dir: Awaited<ReturnType<typeof channelsDir>> | undefined;
const ids = { adt: uniqueId('qs-adt'), lab: uniqueId('qs-lab') };
const ports = { adt: 0, lab: 0 };

/** an example channel file with its id replaced, nothing else */
async function example(file: string, id: string): Promise<string> {
  const text = await readFile(new URL(`channels/${file}`, ROOT), 'utf8');
  const renamed = text.replace(/^id: .*$/m, `id: ${id}`);
  expect(renamed).not.toBe(text);
  return renamed;
}

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair();
  ports.adt = await freePort();
  ports.lab = await freePort();
  dir = await channelsDir({
    'adt-from-his.yaml': await example('adt-from-his.yaml', ids.adt),
    'lab-results-from-lis.yaml': await example('lab-results-from-lis.yaml', ids.lab),
  });
  const env = {
    ADT_MLLP_PORT: String(ports.adt),
    LAB_MLLP_PORT: String(ports.lab),
    EMR_FHIR_URL: servers.emr.url,
    CENTRAL_FHIR_URL: servers.central.url,
  };
  const { channels, diagnostics } = await loadChannels(dir.dir, { env });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  running = await startEngine({ channels, amqpUrl: url });
});

afterAll(async () => {
  await running?.stop();
  await dir?.remove();
  await servers?.stop();
});

async function medibusSend(file: string, port: number): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await send([fixture(file), '--port', String(port)], { out: (t) => void (out += t), err: (t) => void (out += t) });
  return { code, out };
}

describe('the README quick start', () => {
  it('a Vietnamese admission is accepted and its Patient appears, diacritics intact, in the EMR and the central repository', async () => {
    const { out } = await medibusSend('adt-a01-vi-utf8.hl7', ports.adt);
    expect(out).toContain('#1 ADT^A01 ctrl=VN-EDGE-0001 → CA');
    for (const server of [servers.emr, servers.central]) {
      await waitFor(() => count(server, 'Patient') === 1, 30_000, 'the patient in both FHIR servers');
      const [patient] = await byIdentifier<Patient>(server, 'Patient', 'https://sid.example.org/vn/bach-mai/mrn', 'BN2024-004512');
      expect(patient?.name?.[0]).toMatchObject({ family: 'Nguyễn', given: ['Ánh', 'Thị'] });
    }
  });

  it('a lab result is accepted and delivered as a DiagnosticReport with its observations', async () => {
    const { out } = await medibusSend('oru-r01-vi-lab.hl7', ports.lab);
    // the LIS sends in enhanced mode with MSH-15 NE: it asked for no accept ACK
    expect(out).toContain('#1 ORU^R01 ctrl=LAB-EDGE-0001 → sent (MSH-15 NE: no ACK expected, none came)');
    for (const server of [servers.emr, servers.central]) {
      await waitFor(() => count(server, 'DiagnosticReport') >= 1, 30_000, 'the report in both FHIR servers');
      expect(count(server, 'Observation')).toBeGreaterThan(5);
    }
  });

  it('a message without a control id is refused with AR and an ERR that names MSH-10', async () => {
    const { out } = await medibusSend('adt-a01-no-control-id.hl7', ports.adt);
    expect(out).toContain('→ AR');
    expect(out).toContain('ERR MSH-10.1 101');
  });

  it('a message without any patient identifier is accepted, then parked in the failed queue, not lost', async () => {
    const { out } = await medibusSend('adt-a01-no-mrn.hl7', ports.adt);
    expect(out).toContain('ctrl=NM-01 → CA');
    const connection = await connect(url);
    try {
      const channel = await connection.createChannel();
      const failed = `medibus.${ids.adt}.failed`;
      await waitFor(async () => (await channel.checkQueue(failed)).messageCount === 1, 30_000, 'the message in the failed queue');
    } finally {
      await connection.close();
    }
  });
});
