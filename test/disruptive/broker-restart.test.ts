/**
 * Guarantee: a broker restart loses nothing that was acknowledged, and the engine heals by
 * itself. While messages stream in, RabbitMQ's application is stopped (`rabbitmqctl
 * stop_app`) and started again: senders get AE while it is down (not a hang, not a false AA),
 * then AA again; every message that got an AA reaches both FHIR servers, none twice.
 *
 * This stops the machine's shared RabbitMQ, so it runs in the `disruptive` group, alone and
 * last (vitest.config.ts), and only against the local broker that rabbitmqctl controls.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChannels } from '../../src/config/index.js';
import { adtChannelYaml, adtMessage, byIdentifier, expectExactlyDelivered, fhirPair, MRN_SYSTEM } from '../proofs/support.js';
import { brokerUrl, LOCAL_BROKER_URL, uniqueId } from '../support/broker.js';
import { startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { channelsDir } from '../support/process.js';
import { ResilientSender } from '../support/sender.js';

const run = promisify(execFile);
const MESSAGES = 1500;
const SENDERS = 4;

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', ['-q', ...args], { timeout: 120_000 });
}

async function controllable(): Promise<boolean> {
  if ((await brokerUrl()) !== LOCAL_BROKER_URL) return false;
  try {
    await rabbitmqctl('status');
    return true;
  } catch {
    return false;
  }
}

const canRun = await controllable();
let servers: Awaited<ReturnType<typeof fhirPair>>;
let running: RunningEngine | undefined;
let dir: Awaited<ReturnType<typeof channelsDir>> | undefined;

beforeAll(async () => {
  if (canRun) servers = await fhirPair();
});

afterAll(async () => {
  if (!canRun) return;
  await rabbitmqctl('start_app').catch(() => undefined);
  await running?.stop().catch(() => undefined);
  await dir?.remove();
  await servers?.stop();
});

describe.skipIf(!canRun)('RabbitMQ restarted during a stream (needs the local broker and rabbitmqctl)', () => {
  it('answers AE while it is down, resumes by itself, and loses nothing ACKed', async () => {
    const id = uniqueId('restart');
    dir = await channelsDir({ 'restart.yaml': adtChannelYaml({ id, port: 0, emr: servers.emr.url, central: servers.central.url, partitions: 4 }) });
    const { channels } = await loadChannels(dir.dir);
    running = await startEngine({ channels, amqpUrl: LOCAL_BROKER_URL });
    const port = running.port(id);

    let accepted = 0;
    const negatives: string[] = [];
    const outage = (async () => {
      await waitFor(() => accepted >= 300, 120_000, '300 messages accepted before the restart');
      await rabbitmqctl('stop_app');
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await rabbitmqctl('start_app');
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        const sender = new ResilientSender(() => [port]);
        for (let i = next++; i < MESSAGES; i = next++) {
          const outcome = await sender.send(adtMessage({ controlId: `RS-${i}`, mrn: `RS${i}`, visit: `VRS${i}` }), 240_000);
          negatives.push(...outcome.negatives);
          accepted++;
        }
        await sender.close();
      }),
    );
    await outage;
    expect(accepted).toBe(MESSAGES);
    // While the broker was away, the listener stayed up and answered AE.
    expect(negatives).toContain('AE');

    await expectExactlyDelivered(servers, MESSAGES);
    for (const server of [servers.emr, servers.central]) {
      expect(await byIdentifier(server, 'Patient', MRN_SYSTEM, `RS${MESSAGES - 1}`)).toHaveLength(1);
    }
  }, 600_000);
});
