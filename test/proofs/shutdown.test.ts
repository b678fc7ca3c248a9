/**
 * Graceful shutdown: SIGTERM while senders stream. medibus stops accepting, finishes the
 * messages in flight (each gets its answer), closes the broker connections and exits 0;
 * every message that got an AA is delivered (by the next run, for what was still queued).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { channelsDir, freePort, spawnMedibus, type MedibusProcess } from '../support/process.js';
import { ResilientSender } from '../support/sender.js';
import { adtChannelYaml, adtMessage, count, fhirPair } from './support.js';

const MESSAGES = 600;
const id = uniqueId('shutdown');
let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
let dir: Awaited<ReturnType<typeof channelsDir>>;
let port: number;
let current: MedibusProcess | undefined;

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair();
  port = await freePort();
  dir = await channelsDir({ 'shutdown.yaml': adtChannelYaml({ id, port, emr: servers.emr.url, central: servers.central.url, partitions: 2 }) });
});

afterAll(async () => {
  await current?.stop();
  await servers?.stop();
  await dir?.remove();
  await deleteChannelTopology(url, { channelId: id, partitions: 2, destinations: [{ name: 'emr', retryLevels: [] }, { name: 'central', retryLevels: [] }] });
});

describe('SIGTERM during a stream', () => {
  it('finishes what is in flight, exits 0, and loses nothing that was acknowledged', async () => {
    const start = (): Promise<MedibusProcess> => spawnMedibus({ channelsDir: dir.dir, env: { AMQP_URL: url }, name: 'shutdown' });
    current = await start();
    let accepted = 0;
    const restart = (async () => {
      await waitFor(() => accepted >= MESSAGES / 3, 120_000, 'a third of the messages accepted');
      const stopping = current!;
      const code = await stopping.stop();
      expect(code).toBe(0);
      expect(stopping.lines.some((l) => l.event === 'stopped')).toBe(true);
      current = await start();
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const sender = new ResilientSender(() => [port]);
        for (let i = next++; i < MESSAGES; i = next++) {
          await sender.send(adtMessage({ controlId: `SD-${i}`, mrn: `SD${i}`, visit: `VSD${i}` }), 120_000);
          accepted++;
        }
        await sender.close();
      }),
    );
    await restart;
    for (const server of [servers.emr, servers.central]) {
      await waitFor(() => count(server, 'Patient') >= MESSAGES, 120_000).catch(() => undefined);
      expect(count(server, 'Patient')).toBe(MESSAGES);
      expect(count(server, 'Encounter')).toBe(MESSAGES);
    }
  }, 300_000);
});
