/**
 * Guarantee: one failing destination never blocks the others, and what it missed arrives
 * once it is back. One FHIR server is down for 30 s while messages stream in: the other keeps
 * receiving meanwhile; the failed deliveries are retried (through TTL retry queues for
 * `ordering: none`, in process for `ordering: patient`) and arrive after it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/index.js';
import { startFhirServer } from '../../src/fhir-server/index.js';
import { brokerUrl, uniqueId } from '../support/broker.js';
import { sendOne, startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir } from '../support/process.js';
import { adtChannelYaml, adtMessage, count, fhirPair } from './support.js';

const OUTAGE_MS = 30_000;
let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
let running: RunningEngine | undefined;
let dir: Awaited<ReturnType<typeof channelsDir>> | undefined;

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair();
});

afterAll(async () => {
  await running?.stop();
  await dir?.remove();
  await servers?.stop();
});

/** a channel whose emr destination retries through TTL queues and central in process */
async function startChannel(id: string): Promise<string> {
  const yaml = adtChannelYaml({ id, port: 0, emr: servers.emr.url, central: servers.central.url, partitions: 2 })
    .replace(/(name: emr[\s\S]*?ordering: )patient/, '$1none')
    .replace(/initialDelay: 200ms, maxDelay: 2s/g, 'initialDelay: 500ms, maxDelay: 4s');
  dir = await channelsDir({ 'outage.yaml': yaml });
  const { channels, diagnostics } = await loadChannels(dir.dir);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  running = await startEngine({ channels, amqpUrl: url });
  return id;
}

describe('a destination down for 30 s', () => {
  it('keeps the other destination flowing and delivers the backlog when it returns', async () => {
    const id = await startChannel(uniqueId('outage'));
    const port = running!.port(id);
    const emrPort = Number(new URL(servers.emr.url).port);
    const repository = servers.emr.repository;
    await servers.emr.stop();
    const downSince = Date.now();

    const N = 40;
    for (let i = 0; i < N; i++) {
      const ack = await sendOne(port, adtMessage({ controlId: `OUT-${i}`, mrn: `OUT${i}`, visit: `VOUT${i}` }));
      expect(ack).toContain('MSA|AA|');
    }
    // The central repository receives everything while the EMR is down.
    await waitFor(() => count(servers.central, 'Patient') === N, 30_000, 'every patient in the central repository');
    expect(count(servers.emr, 'Patient')).toBe(0);
    const retrying = running!.engine.status.counters()[id]?.retrying ?? 0;
    expect(retrying).toBeGreaterThan(0);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downSince))));
    // The EMR comes back on the same address, with what it had stored before.
    servers.emr = await startFhirServer({ port: emrPort, repository });
    await waitFor(() => count(servers.emr, 'Patient') === N && count(servers.emr, 'Encounter') === N, 60_000, 'the backlog delivered to the EMR');
    // a delivery counts as sent once its response is back, a moment after the server stored it
    const counters = (): Record<string, number> => running!.engine.status.counters()[id]!;
    await waitFor(() => counters().sent === 2 * N, 10_000, 'every delivery counted as sent');
    expect(counters()['dead-lettered']).toBe(0);
    expect(counters().sent).toBe(2 * N);
  }, 180_000);
});
