/**
 * `medibus start --workers-process`: the transform and delivery workers run in a child
 * process (issue 13 part 2), the parent keeps the MLLP listener, the ops API and the store
 * writer. Proved here: the child is another pid (and the parent's child); while it is
 * stopped (SIGSTOP) the parent still ACKs but nothing is delivered, so the transform really
 * runs there; the parent's /metrics counts the child's transformed and sent; a `kill -9` of
 * the child mid-stream is followed by a new child, and every message arrives, once in
 * effect, in per-patient order.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { waitFor } from '../support/engine.js';
import { channelsDir, freePort, spawnMedibus, type MedibusProcess } from '../support/process.js';
import { ResilientSender } from '../support/sender.js';
import { adtChannelYaml, adtMessage, count, expectFinalStateInOrder, fhirPair } from '../proofs/support.js';

const PATIENTS = 24;
const UPDATES = 8;
const SENDERS = 4;
const id = uniqueId('workers-proc');
const mrn = (p: number): string => `WP${p}`;
let url: string;
let servers: Awaited<ReturnType<typeof fhirPair>>;
let dir: Awaited<ReturnType<typeof channelsDir>>;
let data: string;
let medibus: MedibusProcess | undefined;

beforeAll(async () => {
  url = await brokerUrl();
  servers = await fhirPair({ historyLimit: UPDATES + 10 });
  const port = await freePort();
  dir = await channelsDir({ 'wp.yaml': adtChannelYaml({ id, port, emr: servers.emr.url, central: servers.central.url, partitions: 4 }) });
  data = await mkdtemp(path.join(tmpdir(), 'medibus-wp-'));
});

afterAll(async () => {
  await medibus?.stop();
  await servers?.stop();
  await dir?.remove();
  if (data) await rm(data, { recursive: true, force: true });
  await deleteChannelTopology(url, { channelId: id, partitions: 4, destinations: [{ name: 'emr', retryLevels: [] }, { name: 'central', retryLevels: [] }] });
});

/** the parent pid of `pid`, from /proc (Linux) */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** medibus_messages_total of a status, or medibus_deliveries_total (sent) of a destination, from the parent's /metrics */
async function metric(dashboard: number, family: 'messages' | 'deliveries', label: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${dashboard}/metrics`)).text();
  const want = family === 'messages' ? `status="${label}"` : `destination="${label}",status="sent"`;
  const line = text.split('\n').find((l) => l.startsWith(`medibus_${family}_total{`) && l.includes(`channel="${id}"`) && l.includes(want));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('medibus start with the workers in a child process', () => {
  it('ACKs in the parent, transforms and delivers in the child, survives a kill -9 of the child', async () => {
    const dashboard = await freePort();
    medibus = await spawnMedibus({
      channelsDir: dir.dir,
      args: ['--workers-process'],
      env: { AMQP_URL: url, MEDIBUS_STORE_URL: `sqlite:${path.join(data, 'store.db')}`, MEDIBUS_DATA_DIR: data, MEDIBUS_DASHBOARD_PORT: String(dashboard) },
      name: 'workers-process',
    });
    const port = Number(String((medibus.lines.find((l) => l['event'] === 'started')!['channels'] as { listen: string }[])[0]!.listen).split(':')[1]);
    const first = await medibus.waitForLine((l) => l['event'] === 'workers-process');
    const child = Number(first['pid']);
    expect(child).not.toBe(medibus.pid);
    expect(await parentOf(child)).toBe(medibus.pid);
    const childStarted = await medibus.waitForLine((l) => l['event'] === 'workers-started');
    expect(childStarted['pid']).toBe(child);
    expect(medibus.lines.find((l) => l['event'] === 'started')!['pid']).toBe(medibus.pid);

    // The child frozen: the parent still ACKs (intake is its own), nothing reaches the servers.
    process.kill(child, 'SIGSTOP');
    const senders = Array.from({ length: SENDERS }, () => new ResilientSender(() => [port]));
    try {
      await Promise.all(
        senders.map(async (sender, s) => {
          for (let p = s; p < PATIENTS; p += SENDERS) {
            const outcome = await sender.send(adtMessage({ controlId: `WP-${p}-1`, mrn: mrn(p), visit: `VWP${p}`, event: 'A01', version: 1 }), 60_000);
            expect(outcome.code).toBe('AA');
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(count(servers.emr, 'Patient')).toBe(0);
    } finally {
      process.kill(child, 'SIGCONT');
    }
    await waitFor(() => count(servers.emr, 'Patient') === PATIENTS && count(servers.central, 'Patient') === PATIENTS, 120_000, 'the first updates delivered by the child');

    // The rest of the updates, with a kill -9 of the child half-way.
    let accepted = 0;
    const total = PATIENTS * (UPDATES - 1);
    const crash = (async () => {
      await waitFor(() => accepted >= total / 2, 240_000, 'half of the updates accepted');
      process.kill(child, 'SIGKILL');
      const restarted = await medibus!.waitForLine((l) => l['event'] === 'workers-process' && l['pid'] !== child, 120_000);
      expect(medibus!.lines.some((l) => l['event'] === 'workers-exit' && l['pid'] === child && l['signal'] === 'SIGKILL')).toBe(true);
      expect(restarted['restarts']).toBe(1);
      expect(await parentOf(Number(restarted['pid']))).toBe(medibus!.pid);
    })();
    await Promise.all(
      senders.map(async (sender, s) => {
        const mine = Array.from({ length: PATIENTS }, (_, p) => p).filter((p) => p % SENDERS === s);
        for (let u = 2; u <= UPDATES; u++) {
          for (const p of mine) {
            const outcome = await sender.send(adtMessage({ controlId: `WP-${p}-${u}`, mrn: mrn(p), visit: `VWP${p}`, event: 'A08', version: u }), 120_000);
            expect(outcome.code).toBe('AA');
            accepted += 1;
          }
        }
        await sender.close();
      }),
    );
    await crash;

    await expectFinalStateInOrder(servers, PATIENTS, UPDATES, mrn);
    for (const server of [servers.emr, servers.central]) {
      expect(count(server, 'Patient')).toBe(PATIENTS);
      expect(count(server, 'Encounter')).toBe(PATIENTS);
    }
    // The parent's counters see the child's work (forwarded over IPC, re-emitted on its bus).
    // A kill -9 loses what the child had not yet forwarded (its last ~10 ms of events, as it
    // loses its last log lines): a message acked in that window is delivered but not counted.
    const messages = PATIENTS * UPDATES;
    const lossWindow = 10;
    await waitFor(async () => (await metric(dashboard, 'deliveries', 'central')) >= messages - lossWindow, 30_000, 'sent counted in the parent').catch(async () => {
      throw new Error(`parent counters: ${(await (await fetch(`http://127.0.0.1:${dashboard}/metrics`)).text()).split('\n').filter((l) => l.includes(id) && l.includes('_total')).join('; ')}`);
    });
    expect(await metric(dashboard, 'messages', 'received')).toBeGreaterThanOrEqual(messages);
    expect(await metric(dashboard, 'messages', 'transformed')).toBeGreaterThanOrEqual(messages - lossWindow);
    for (const destination of ['emr', 'central']) expect(await metric(dashboard, 'deliveries', destination)).toBeGreaterThanOrEqual(messages - lossWindow);

    // A graceful stop takes the child with it.
    const restartedPid = Number(medibus.lines.filter((l) => l['event'] === 'workers-process').at(-1)!['pid']);
    expect(await medibus.stop()).toBe(0);
    medibus = undefined;
    await waitFor(
      () => {
        try {
          process.kill(restartedPid, 0);
          return false;
        } catch {
          return true;
        }
      },
      15_000,
      'the workers child exits with medibus',
    );
  }, 600_000);
});
