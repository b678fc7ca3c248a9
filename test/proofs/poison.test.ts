/**
 * Guarantee: a message a destination refuses does not block the ones behind it, is kept as a
 * dead letter with the reason, and is delivered by `medibus replay` once the cause is fixed.
 *
 * The refusal is a real one: the EMR holds two patient records with the same MRN (a
 * duplicate its staff must merge), so the conditional update of that patient is answered
 * 412 Precondition Failed (FHIR R4 http.html#cond-update: multiple matches). A 4xx is
 * permanent: dead-lettered at the first attempt. A transient failure (nothing listening) is
 * dead-lettered after exactly `maxAttempts` attempts, for both ordering modes.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/broker/topology.js';
import { run as replay } from '../../src/cli/commands/replay.js';
import { loadChannels } from '../../src/config/index.js';
import { rawConnection } from '../broker/helpers.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { sendOne, startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir, freePort } from '../support/process.js';
import { adtChannelYaml, adtMessage, byIdentifier, count, fhirPair, MRN_SYSTEM } from './support.js';

let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
const engines: RunningEngine[] = [];
const dirs: { remove(): Promise<void> }[] = [];

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair();
});

afterAll(async () => {
  for (const e of engines) await e.stop();
  for (const d of dirs) await d.remove();
  await servers?.stop();
});

async function start(yaml: string): Promise<{ dir: string; engine: RunningEngine }> {
  const dir = await channelsDir({ 'channel.yaml': yaml });
  dirs.push(dir);
  const { channels, diagnostics } = await loadChannels(dir.dir);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const engine = await startEngine({ channels, amqpUrl: url });
  engines.push(engine);
  return { dir: dir.dir, engine };
}

/** the dead letters of a destination, read without removing them */
async function deadLetters(queue: string): Promise<GetMessage[]> {
  const connection = await rawConnection(url);
  try {
    const ch = await connection.createChannel();
    const got: GetMessage[] = [];
    for (;;) {
      const msg = await ch.get(queue, { noAck: false });
      if (msg === false) break;
      got.push(msg);
    }
    await ch.close(); // unacked: back to the queue
    return got;
  } finally {
    await connection.close();
  }
}

const headers = (m: GetMessage): Record<string, unknown> => (m.properties.headers ?? {}) as Record<string, unknown>;

describe('a message the EMR refuses', () => {
  it('is dead-lettered with the reason, does not hold the others, and is delivered by replay after the fix', async () => {
    const id = uniqueId('poison');
    const { dir, engine } = await start(adtChannelYaml({ id, port: 0, emr: servers.emr.url, central: servers.central.url, partitions: 2, maxAttempts: 5 }));
    const port = engine.port(id);
    // The EMR's data-quality problem: two records carry the MRN POISON.
    for (let i = 0; i < 2; i++) {
      await servers.emr.repository.createResource({ resourceType: 'Patient', identifier: [{ system: MRN_SYSTEM, value: 'POISON' }] });
    }
    // A patient behind the poison in the same partition, so "behind" really means behind.
    let behind = 0;
    while (partitionOf(`BEHIND${behind}`, 2) !== partitionOf('POISON', 2)) behind++;

    for (const [controlId, mrn] of [['P-1', 'BEFORE'], ['P-2', 'POISON'], ['P-3', `BEHIND${behind}`]] as const) {
      expect(await sendOne(port, adtMessage({ controlId, mrn, visit: `V${mrn}` }))).toContain('MSA|AA|');
    }
    await waitFor(() => count(servers.central, 'Patient') === 3, 30_000, 'all three in the central repository');
    await waitFor(async () => (await byIdentifier(servers.emr, 'Patient', MRN_SYSTEM, `BEHIND${behind}`)).length === 1, 30_000, 'the patient behind the poison in the EMR');

    const dead = engine.engine.channel(id)!.topology.destinations.find((d) => d.name === 'emr')!.dead;
    await waitFor(async () => (await deadLetters(dead)).length === 1, 30_000, 'one dead letter');
    const [letter] = await deadLetters(dead);
    expect(headers(letter!)['medibus-control-id']).toBe('P-2');
    expect(headers(letter!)['medibus-error-code']).toBe('MEDIBUS_ERR_DELIVERY_REJECTED');
    expect(String(headers(letter!)['medibus-error'])).toMatch(/412/);
    expect(headers(letter!)['medibus-attempts']).toBe(1);
    // counted once the dead letter's publish is confirmed, a moment after it is in the queue
    await waitFor(() => engine.engine.status.counters()[id]?.['dead-lettered'] === 1, 10_000, 'the dead letter counted');

    // The EMR's staff merge the duplicate; the operator replays the dead letter.
    const duplicates = await byIdentifier<Patient>(servers.emr, 'Patient', MRN_SYSTEM, 'POISON');
    await servers.emr.repository.deleteResource('Patient', duplicates[1]!.id!);
    const out: string[] = [];
    const code = await replay([id, '--destination', 'emr', '--id', String(letter!.properties.messageId), '--channels', dir, '--amqp-url', url], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/replayed 1/);

    await waitFor(async () => (await byIdentifier(servers.emr, 'Encounter', 'urn:medibus:authority:BV-CHO-RAY', 'VPOISON')).length === 1, 30_000, 'the replayed message delivered');
    expect(await byIdentifier(servers.emr, 'Patient', MRN_SYSTEM, 'POISON')).toHaveLength(1);
    expect(await deadLetters(dead)).toHaveLength(0);
  }, 120_000);

  for (const ordering of ['none', 'patient'] as const) {
    it(`with ordering: ${ordering}, a destination that never answers gets exactly maxAttempts attempts, then a dead letter`, async () => {
      const id = uniqueId(`never-${ordering}`);
      const nobody = `http://127.0.0.1:${await freePort()}/fhir`;
      const yaml = adtChannelYaml({ id, port: 0, emr: nobody, central: servers.central.url, partitions: 2, ordering, maxAttempts: 3, initialDelay: '100ms', maxDelay: '400ms' });
      const { engine } = await start(yaml);
      expect(await sendOne(engine.port(id), adtMessage({ controlId: `N-${ordering}`, mrn: `NEVER-${ordering}`, visit: `VN-${ordering}` }))).toContain('MSA|AA|');
      const dead = engine.engine.channel(id)!.topology.destinations.find((d) => d.name === 'emr')!.dead;
      await waitFor(async () => (await deadLetters(dead)).length === 1, 30_000, 'the dead letter');
      const [letter] = await deadLetters(dead);
      expect(headers(letter!)['medibus-attempts']).toBe(3);
      expect(headers(letter!)['medibus-error-code']).toBe('MEDIBUS_ERR_DELIVERY_TRANSIENT');
      expect(String(headers(letter!)['medibus-error'])).toMatch(/refused/);
      await waitFor(() => engine.engine.status.counters()[id]?.['dead-lettered'] === 1, 10_000, 'the dead letter counted');
      const counters = engine.engine.status.counters()[id]!;
      expect(counters.retrying).toBe(2);
      expect(counters['dead-lettered']).toBe(1);
    }, 60_000);
  }
});
