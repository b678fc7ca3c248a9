/**
 * End to end: MLLP in → FHIR Bundle → RabbitMQ → delivered to a FHIR server, on this machine.
 *
 * Three processes, as in production: the load generator (this one: 8 sender connections,
 * each sending the next message after its ACK), medibus (`medibus start`, one channel, one
 * FHIR destination) and the FHIR server (bench/e2e-fhir-child.ts, which reports when each
 * message's bundle is stored). Printed per message type: messages/s from the first send to
 * the last store, p50/p99 of send → stored, and medibus's RSS over the run — and, measured
 * in the same run, the broker's own ceiling for a message of the same size (persistent
 * publish with confirms, consumed and acked), so the figure reads as a fraction of what
 * RabbitMQ allows here.
 *
 *   npx tsx bench/e2e.ts            BENCH_MESSAGES=100000 for the memory run
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { retryLevels } from '../src/broker/retry.js';
import { MllpClient } from '../src/mllp/client.js';
import { deleteChannelTopology } from '../test/support/broker.js';
import { freePort } from '../test/support/process.js';
import { brokerCeiling } from './broker-ceiling.js';
import { profileArgs } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const CONNECTIONS = 8;

export interface Workload {
  readonly name: string;
  readonly mapping: string;
  readonly ordering: 'patient' | 'none';
  /** the i-th message: unique control id, patient and orders */
  message(i: number): string;
}

const ADT = readFileSync(path.join(ROOT, 'fixtures/hl7/edge/adt-a01-vi-utf8.hl7'), 'utf8');
const ORU = readFileSync(path.join(ROOT, 'fixtures/hl7/oru-r01-30obx.hl7'), 'utf8');

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'ADT^A01',
    mapping: 'adt',
    ordering: 'patient',
    message: (i) =>
      ADT.replace('VN-EDGE-0001', `E2E-${i}`)
        .replace('BN2024-004512', `BN-${i}`)
        .replace('001190012345', `CC-${i}`)
        .replace('VV2024-0099', `VV-${i}`)
        .replace('DN4797914010021', `DN-${i}`),
  },
  {
    name: 'ORU^R01 (30 OBX)',
    mapping: 'oru-r01',
    ordering: 'none',
    message: (i) =>
      // the fixture's MSH-15 is NE (no accept ACK): ask for one, the senders wait for it
      ORU.replace('|||NE|AL|', '|||AL|NE|')
        .replace('LAB20240312-004711', `E2E-${i}`)
        .replaceAll('MRN0048213', `M-${i}`)
        .replaceAll('LAB7781230', `L${i}A`)
        .replaceAll('LAB7781231', `L${i}B`)
        .replaceAll('ORD448120', `O${i}A`)
        .replaceAll('ORD448121', `O${i}B`)
        .replaceAll('SPC20240312-3381', `S${i}`),
  },
];

export interface E2eRow {
  readonly workload: string;
  readonly messages: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** send → ACK received (the sender's view; the message is durable in RabbitMQ by then) */
  readonly ackP50: number;
  readonly rssStartMiB: number;
  readonly rssEndMiB: number;
  readonly rssMaxMiB: number;
  readonly ceiling: number;
}

export async function runE2eBench(options: { messages?: number } = {}): Promise<E2eRow[]> {
  const messages = options.messages ?? Number(process.env.BENCH_MESSAGES ?? 5000);
  const rows: E2eRow[] = [];
  const only = process.env.BENCH_E2E?.toLowerCase();
  for (const workload of WORKLOADS) {
    if (only === undefined || workload.name.toLowerCase().startsWith(only)) rows.push(await runWorkload(workload, messages));
  }
  console.log(`\nend to end, ${CONNECTIONS} sender connections, one FHIR destination (own process), validation on`);
  console.table(
    rows.map((r) => ({
      message: r.workload,
      messages: r.messages,
      'msg/s': Math.round(r.perSecond),
      'p50 ms': r.p50.toFixed(1),
      'p99 ms': r.p99.toFixed(1),
      'ACK p50 ms': r.ackP50.toFixed(1),
      'RSS MiB start→end (max)': `${r.rssStartMiB} → ${r.rssEndMiB} (${r.rssMaxMiB})`,
      'broker ceiling msg/s': Math.round(r.ceiling),
      'of ceiling': `${Math.round((r.perSecond / r.ceiling) * 100)} %`,
    })),
  );
  return rows;
}

async function runWorkload(workload: Workload, total: number): Promise<E2eRow> {
  const fhir = await startFhirChild();
  const port = await freePort();
  const id = `bench-e2e-${Date.now().toString(36)}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'medibus-e2e-'));
  await writeFile(path.join(dir, 'bench.yaml'), channelYaml(id, port, workload, fhir.url));
  const medibus = await startMedibus(dir);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  let lastStored = 0;
  fhir.onStored((controlId, at) => {
    const sent = sentAt.get(controlId);
    if (sent === undefined) return;
    sentAt.delete(controlId);
    latencies.push(at - sent);
    lastStored = Math.max(lastStored, at);
  });
  const rss: number[] = [rssMiB(medibus.pid!)];
  const sampler = setInterval(() => rss.push(rssMiB(medibus.pid!)), 1000);
  const first = now();
  let next = 0;
  // Whatever happens (a refused message, a timeout), the child processes, the channel's
  // queues and the temporary channel file go: a failed run leaves nothing behind.
  try {
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const client = new MllpClient({ host: '127.0.0.1', port });
        for (let i = next++; i < total; i = next++) {
          const controlId = `E2E-${i}`;
          const sent = now();
          sentAt.set(controlId, sent);
          const ack = (await client.send(Buffer.from(workload.message(i), 'utf8'), { timeoutMs: 30_000 })).toString('latin1');
          ackLatencies.push(now() - sent);
          if (!/MSA\|(AA|CA)\|/.test(ack)) throw new Error(`message ${i} was not accepted: ${ack.split('\r').find((s) => s.startsWith('MSA'))}`);
        }
        await client.close();
      }),
    );
    const deadline = Date.now() + 600_000;
    while (latencies.length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    rss.push(rssMiB(medibus.pid!));
    if (latencies.length < total) console.warn(`${workload.name}: only ${latencies.length} of ${total} stored in time`);
  } finally {
    clearInterval(sampler);
    await stop(medibus);
    fhir.stop();
    await deleteTopology(id, workload);
    await rm(dir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  ackLatencies.sort((a, b) => a - b);
  const sample = Buffer.from(workload.message(0), 'utf8').length;
  return {
    workload: workload.name,
    messages: total,
    perSecond: latencies.length / ((lastStored - first) / 1000),
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? NaN,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    ackP50: ackLatencies[Math.floor(ackLatencies.length * 0.5)] ?? NaN,
    rssStartMiB: rss[0]!,
    rssEndMiB: rss[rss.length - 1]!,
    rssMaxMiB: Math.max(...rss),
    // the bundle travels too: the route message is about four times the HL7 message
    ceiling: (await brokerCeiling(AMQP_URL, sample * 4, CONNECTIONS)).perSecond,
  };
}

function channelYaml(id: string, port: number, w: Workload, url: string): string {
  return `id: ${id}
source: { type: mllp, host: 127.0.0.1, port: ${port} }
ordering: { key: "PID-3[1]", partitions: 8 }
transform: { mapping: ${w.mapping}, timezone: Asia/Ho_Chi_Minh }
destinations:
  - { name: emr, type: fhir, url: "${url}", ordering: ${w.ordering} }
`;
}

const now = (): number => performance.timeOrigin + performance.now();

function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

export async function startFhirChild(): Promise<{ url: string; pid: number; onStored(fn: (id: string, at: number) => void): void; stop(): void }> {
  const child = fork(fileURLToPath(new URL('./e2e-fhir-child.ts', import.meta.url)), [], { execArgv: [...profileArgs('fhir'), '--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const listeners: ((id: string, at: number) => void)[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: { port?: number; stored?: [string, number][] }) => {
      if (m.port !== undefined) resolve(m.port);
      for (const [id, at] of m.stored ?? []) for (const l of listeners) l(id, at);
    });
    child.once('exit', (code) => reject(new Error(`FHIR server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/fhir`, pid: child.pid ?? -1, onStored: (fn) => void listeners.push(fn), stop: () => void child.send('stop') };
}

export async function startMedibus(channels: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...profileArgs('medibus'), '--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'start', '--channels', channels, '--mappings', path.join(ROOT, 'mappings')], {
    cwd: ROOT,
    env: { ...process.env, AMQP_URL },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const watch = (chunk: Buffer): void => {
      // only until started: the log keeps coming, and a growing text searched per chunk
      // would cost this process (and the run) more than the sender does
      text = text.slice(-64) + chunk.toString('utf8');
      if (!text.includes('"event":"started"')) return;
      child.stdout!.off('data', watch);
      resolve();
    };
    child.stdout!.on('data', watch);
    child.once('exit', (code) => reject(new Error(`medibus exited with ${code}`)));
  });
  // Keep reading its log (as a log shipper would), so it never blocks on a full pipe.
  child.stdout!.resume();
  return child;
}

export async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function deleteTopology(id: string, w: Workload): Promise<void> {
  const retry = { maxAttempts: 8, initialDelay: 1000, maxDelay: 600_000, backoffCoefficient: 2 };
  await deleteChannelTopology(AMQP_URL, { channelId: id, partitions: 8, destinations: [{ name: 'emr', retryLevels: w.ordering === 'none' ? retryLevels(retry) : [] }] });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runE2eBench();
}
