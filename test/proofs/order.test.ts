/**
 * Guarantee: per-patient order end to end. 200 patients × 20 updates each stream through a
 * channel with 4 partitions, run by 2 medibus processes (each with its own MLLP listener;
 * senders spread over both, like behind a TCP load balancer). Half-way, one process is killed
 * with SIGKILL: its senders move to the other, and the partitions it was consuming move to
 * the other process (single active consumer). In both FHIR servers each patient's final
 * state must be its last message, and its stored history must never go backwards.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { channelsDir, freePort, spawnMedibus, type MedibusProcess } from '../support/process.js';
import { ResilientSender } from '../support/sender.js';
import { adtChannelYaml, adtMessage, expectFinalStateInOrder, fhirPair } from './support.js';

const PATIENTS = 200;
const UPDATES = 20;
const SENDERS = 8;
const id = uniqueId('order');
let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
let dir: Awaited<ReturnType<typeof channelsDir>>;
const processes: MedibusProcess[] = [];

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair({ historyLimit: UPDATES + 10 });
  dir = await channelsDir({ 'order.yaml': adtChannelYaml({ id, port: '${MLLP_PORT}', emr: servers.emr.url, central: servers.central.url, partitions: 4 }) });
});

afterAll(async () => {
  for (const p of processes) await p.stop();
  await servers?.stop();
  await dir?.remove();
  await deleteChannelTopology(url, { channelId: id, partitions: 4, destinations: [{ name: 'emr', retryLevels: [] }, { name: 'central', retryLevels: [] }] });
});

describe('per-patient order with 2 processes and a failover', () => {
  it('leaves every patient in the state of its last message, in both servers', async () => {
    const ports = [await freePort(), await freePort()];
    for (const [i, port] of ports.entries()) {
      processes.push(await spawnMedibus({ channelsDir: dir.dir, env: { AMQP_URL: url, MLLP_PORT: String(port) }, name: `order-${i}` }));
    }
    const alive = new Set(ports);
    let accepted = 0;
    const failover = (async () => {
      await waitFor(() => accepted >= (PATIENTS * UPDATES) / 2, 300_000, 'half of the messages accepted');
      alive.delete(ports[0]!);
      await processes[0]!.kill9();
    })();

    await Promise.all(
      Array.from({ length: SENDERS }, async (_, s) => {
        // Each sender owns some patients and interleaves their updates, as a HIS does.
        const mine = Array.from({ length: PATIENTS }, (_, p) => p).filter((p) => p % SENDERS === s);
        const sender = new ResilientSender(() => {
          const live = ports.filter((p) => alive.has(p));
          return s % 2 === 0 ? live : [...live].reverse();
        });
        for (let u = 1; u <= UPDATES; u++) {
          for (const p of mine) {
            const message = adtMessage({ controlId: `O-${p}-${u}`, mrn: `ORD${p}`, visit: `VORD${p}`, event: u === 1 ? 'A01' : 'A08', version: u });
            await sender.send(message, 240_000);
            accepted++;
          }
        }
        await sender.close();
      }),
    );
    await failover;

    await expectFinalStateInOrder(servers, PATIENTS, UPDATES, (p) => `ORD${p}`);
  }, 600_000);
});
