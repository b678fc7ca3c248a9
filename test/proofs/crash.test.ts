/**
 * Guarantee: at-least-once delivery with idempotent effect. Messages stream in over MLLP from
 * several connections; the medibus process is killed with SIGKILL at a random point (no
 * shutdown code runs) and started again. Every message that got an AA must be in both FHIR
 * servers, and none twice: the same patient, encounter and practitioner exist once however
 * many times a message was delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { channelsDir, freePort, spawnMedibus, type MedibusProcess } from '../support/process.js';
import { ResilientSender } from '../support/sender.js';
import { adtChannelYaml, adtMessage, byIdentifier, count, expectExactlyDelivered, fhirPair, HOSPITAL, MRN_SYSTEM } from './support.js';

const MESSAGES = 5000;
const CONNECTIONS = 4;
const id = uniqueId('crash');
let servers: Awaited<ReturnType<typeof fhirPair>>;
let dir: Awaited<ReturnType<typeof channelsDir>>;
let port: number;
let url: string;
let processes: MedibusProcess[] = [];

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair();
  port = await freePort();
  dir = await channelsDir({ 'crash.yaml': adtChannelYaml({ id, port, emr: servers.emr.url, central: servers.central.url, partitions: 4 }) });
});

afterAll(async () => {
  for (const p of processes) await p.stop();
  await servers?.stop();
  await dir?.remove();
  await deleteChannelTopology(url, { channelId: id, partitions: 4, destinations: [{ name: 'emr', retryLevels: [] }, { name: 'central', retryLevels: [] }] });
});

describe('kill -9 during a stream', () => {
  it('delivers every ACKed message to both FHIR servers exactly once in effect', async () => {
    const start = (): Promise<MedibusProcess> => spawnMedibus({ channelsDir: dir.dir, env: { AMQP_URL: url }, name: 'crash' });
    processes.push(await start());
    const acked = new Set<number>();
    const killAfter = 500 + Math.floor(Math.random() * (MESSAGES / 2));
    let next = 0;

    const crash = (async () => {
      await waitFor(() => acked.size >= killAfter, 240_000, `${killAfter} ACKs before the crash`);
      await processes[0]!.kill9();
      processes = [];
      processes.push(await start());
    })();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const sender = new ResilientSender(() => [port]);
        for (let i = next++; i < MESSAGES; i = next++) {
          const outcome = await sender.send(adtMessage({ controlId: `CRASH-${i}`, mrn: `CR${i}`, visit: `VCR${i}` }), 180_000);
          expect(outcome.code).toBe('AA');
          acked.add(i);
        }
        await sender.close();
      }),
    );
    await crash;
    expect(acked.size).toBe(MESSAGES);

    await expectExactlyDelivered(servers, MESSAGES);
    for (const server of [servers.emr, servers.central]) {
      // One attending doctor on every message: conditional create keeps them to one.
      expect(count(server, 'Practitioner')).toBe(1);
      for (const i of [0, killAfter - 1, killAfter, killAfter + 1, MESSAGES - 1]) {
        expect(await byIdentifier(server, 'Patient', MRN_SYSTEM, `CR${i}`)).toHaveLength(1);
        expect(await byIdentifier(server, 'Encounter', `urn:medibus:authority:${HOSPITAL}`, `VCR${i}`)).toHaveLength(1);
      }
    }
  }, 600_000);
});
