/**
 * Guarantee with more than one instance (issue 13): three medibus processes share one
 * channel's 6 partitions through one RabbitMQ (single active consumer per partition), each
 * with its own MLLP listener, senders spread over the three as behind a TCP load balancer.
 * A third of the way through, one process is killed with SIGKILL: its senders move to the
 * others and the partitions it was consuming move to a surviving process. It is started again
 * at once, and the last two rounds of updates go out over new connections, some of them to it
 * (its consumers wait as standbys while the others hold their partitions). Nothing
 * that was ACKed is lost and every patient's updates land in order, in both FHIR servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { channelsDir, freePort, spawnMedibus, type MedibusProcess } from '../support/process.js';
import { ResilientSender } from '../support/sender.js';
import { adtChannelYaml, adtMessage, expectFinalStateInOrder, fhirPair } from './support.js';

const PATIENTS = 120;
const UPDATES = 10;
const SENDERS = 6;
const PARTITIONS = 6;
const id = uniqueId('scale');
let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
let dir: Awaited<ReturnType<typeof channelsDir>>;
const processes: MedibusProcess[] = [];

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair({ historyLimit: UPDATES + 10 });
  dir = await channelsDir({ 'scale.yaml': adtChannelYaml({ id, port: '${MLLP_PORT}', emr: servers.emr.url, central: servers.central.url, partitions: PARTITIONS }) });
});

afterAll(async () => {
  for (const p of processes) await p.stop();
  await servers?.stop();
  await dir?.remove();
  await deleteChannelTopology(url, { channelId: id, partitions: PARTITIONS, destinations: [{ name: 'emr', retryLevels: [] }, { name: 'central', retryLevels: [] }] });
});

describe('three processes, one killed and restarted mid-stream', () => {
  it('delivers every ACKed message once, in per-patient order, in both servers', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const start = (i: number): Promise<MedibusProcess> => spawnMedibus({ channelsDir: dir.dir, env: { AMQP_URL: url, MLLP_PORT: String(ports[i]) }, name: `scale-${i}` });
    for (const i of [0, 1, 2]) processes.push(await start(i));
    const alive = new Set(ports);
    const total = PATIENTS * UPDATES;
    let accepted = 0;
    const chaos = (async () => {
      await waitFor(() => accepted >= total / 3, 300_000, 'a third of the messages accepted');
      alive.delete(ports[0]!);
      await processes[0]!.kill9();
      processes[0] = await start(0);
      alive.add(ports[0]!);
    })();

    await Promise.all(
      Array.from({ length: SENDERS }, async (_, s) => {
        const mine = Array.from({ length: PATIENTS }, (_, p) => p).filter((p) => p % SENDERS === s);
        // each sender prefers a different listener, and moves on when one goes away
        const sender = new ResilientSender(() => {
          const live = ports.filter((p) => alive.has(p));
          return [...live.slice(s % live.length), ...live.slice(0, s % live.length)];
        });
        for (let u = 1; u <= UPDATES; u++) {
          if (u === UPDATES - 1) {
            // the last two rounds go out once the killed instance is back, over new
            // connections, as a load balancer spreads them again
            await chaos;
            await sender.close();
          }
          for (const p of mine) {
            await sender.send(adtMessage({ controlId: `S-${p}-${u}`, mrn: `SCL${p}`, visit: `VSCL${p}`, event: u === 1 ? 'A01' : 'A08', version: u }), 240_000);
            accepted++;
          }
        }
        await sender.close();
      }),
    );
    await chaos;
    expect(accepted).toBe(total);
    // the restarted process took messages again: its listener ACKed some after the restart
    expect(processes[0]!.lines.some((l) => l['event'] === 'received')).toBe(true);

    await expectFinalStateInOrder(servers, PATIENTS, UPDATES, (p) => `SCL${p}`);
  }, 600_000);
});
