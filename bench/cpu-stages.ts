/**
 * medibus's own CPU per message, per stage (issue 13), read from /proc/<pid>/stat of the
 * medibus process (user + system time) — not from the load generator or the FHIR servers,
 * which run in processes of their own.
 *
 * Stages are separated by running them apart on the same messages:
 *  1. intake      — the channel without destinations: MLLP → parse → durable ingress → ACK.
 *                   The messages stay in ingress. Also gives the listener's ACK rate and p99
 *                   with no pipeline work beside it.
 *  2. drain (1)   — a new process with one FHIR destination drains that ingress:
 *                   transform + one delivery.
 *  3. drain (2)   — intake again, then a process with two destinations drains it:
 *                   transform + two deliveries. delivery = (3) − (2), transform = (2) − delivery.
 *  4. end to end  — both destinations, senders and pipeline at once, as in production: the
 *                   total CPU per message, and the ACK rate and p99 while the pipeline works.
 * A drain process's start-up (loading the FHIR definitions, ~3 s of CPU) is measured on an
 * empty queue first and subtracted. Printed beside the broker's own confirm rate with the same
 * 8 publishes in flight (the ACK-rate target is 0.7× of it).
 *
 *   npx tsx bench/cpu-stages.ts        BENCH_MESSAGES=N (default 5000), BENCH_E2E=adt|oru
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MllpClient } from '../src/mllp/client.js';
import { deleteChannelTopology } from '../test/support/broker.js';
import { freePort } from '../test/support/process.js';
import { brokerCeiling } from './broker-ceiling.js';
import { startFhirChild, startMedibus, stop, WORKLOADS, type Workload } from './e2e.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const CONNECTIONS = 8;
const PARTITIONS = 8;
const TICK_MS = 10; // USER_HZ 100: /proc times are in 10 ms ticks

export interface StageRow {
  readonly workload: string;
  readonly messages: number;
  readonly intakeUs: number;
  readonly transformUs: number;
  readonly deliveryUs: number;
  readonly endToEndUs: number;
  /** the same end-to-end run: RabbitMQ's CPU and the two FHIR servers' per message */
  readonly brokerUs: number;
  readonly fhirUs: number;
  readonly quietAckPerSecond: number;
  readonly quietAckP99: number;
  readonly busyAckPerSecond: number;
  readonly busyAckP99: number;
  readonly brokerConfirmPerSecond: number;
}

/** the RabbitMQ node on this machine (beam.smp), when it runs here */
function brokerPid(): number | undefined {
  try {
    const pid = Number(execFileSync('pgrep', ['-o', 'beam.smp'], { encoding: 'utf8' }).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** user + system CPU of a process so far, in ms */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

interface Sent {
  readonly perSecond: number;
  readonly p99: number;
}

async function send(port: number, workload: Workload, from: number, count: number): Promise<Sent> {
  const latencies: number[] = [];
  let next = from;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const client = new MllpClient({ host: '127.0.0.1', port });
      for (let i = next++; i < from + count; i = next++) {
        const sent = performance.now();
        const ack = (await client.send(Buffer.from(workload.message(i), 'utf8'), { timeoutMs: 30_000 })).toString('latin1');
        latencies.push(performance.now() - sent);
        if (!/MSA\|(AA|CA)\|/.test(ack)) throw new Error(`message ${i} was not accepted`);
      }
      await client.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN };
}

function channelYaml(id: string, port: number, w: Workload, urls: readonly string[]): string {
  const destinations = urls.map((url, i) => `  - { name: d${i}, type: fhir, url: "${url}", ordering: ${w.ordering} }`).join('\n');
  return `id: ${id}
source: { type: mllp, host: 127.0.0.1, port: ${port} }
ordering: { key: "PID-3[1]", partitions: ${PARTITIONS} }
transform: { mapping: ${w.mapping}, timezone: Asia/Ho_Chi_Minh }
${urls.length === 0 ? 'destinations: []' : `destinations:\n${destinations}`}
`;
}

async function waitStored(counts: () => number, total: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (counts() < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (counts() < total) throw new Error(`only ${counts()} of ${total} stored in time`);
}

async function runWorkload(workload: Workload, total: number): Promise<StageRow> {
  const fhir = [await startFhirChild(), await startFhirChild()];
  const stored = [0, 0];
  fhir.forEach((server, i) => server.onStored(() => void stored[i]!++));
  const id = `bench-cpu-${Date.now().toString(36)}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'medibus-cpu-'));
  const file = path.join(dir, 'bench.yaml');
  const port = await freePort();
  const run = async (urls: readonly string[]): Promise<Awaited<ReturnType<typeof startMedibus>>> => {
    await writeFile(file, channelYaml(id, port, workload, urls));
    return startMedibus(dir);
  };
  try {
    // 1. intake alone
    let medibus = await run([]);
    let before = cpuMs(medibus.pid!);
    const quiet = await send(port, workload, 0, total);
    const intakeMs = cpuMs(medibus.pid!) - before;
    await stop(medibus);

    // 2. drain with one destination, then the start-up cost of the same process on the
    //    now empty pipeline
    medibus = await run([fhir[0]!.url]);
    await waitStored(() => stored[0]!, total);
    const drainOneMs = cpuMs(medibus.pid!);
    await stop(medibus);
    medibus = await run([fhir[0]!.url]);
    const startupMs = cpuMs(medibus.pid!);
    await stop(medibus);

    // 3. intake again, drain with two destinations
    medibus = await run([]);
    await send(port, workload, total, total);
    await stop(medibus);
    medibus = await run([fhir[0]!.url, fhir[1]!.url]);
    await waitStored(() => Math.min(stored[0]! - total, stored[1]!), total);
    const drainTwoMs = cpuMs(medibus.pid!);

    // 4. end to end with both destinations
    const beam = brokerPid();
    before = cpuMs(medibus.pid!);
    const brokerBefore = beam === undefined ? Number.NaN : cpuMs(beam);
    const fhirBefore = fhir.reduce((sum, server) => sum + cpuMs(server.pid), 0);
    const busy = await send(port, workload, 2 * total, total);
    await waitStored(() => Math.min(stored[0]! - 2 * total, stored[1]! - total), total);
    const endToEndMs = cpuMs(medibus.pid!) - before;
    const brokerMs = beam === undefined ? Number.NaN : cpuMs(beam) - brokerBefore;
    const fhirMs = fhir.reduce((sum, server) => sum + cpuMs(server.pid), 0) - fhirBefore;
    await stop(medibus);

    const perMessage = (ms: number): number => (ms * 1000) / total;
    const deliveryUs = perMessage(drainTwoMs - drainOneMs);
    const transformUs = perMessage(drainOneMs - startupMs) - deliveryUs;
    const sample = Buffer.from(workload.message(0), 'utf8').length;
    return {
      workload: workload.name,
      messages: total,
      intakeUs: perMessage(intakeMs),
      transformUs,
      deliveryUs,
      endToEndUs: perMessage(endToEndMs),
      brokerUs: perMessage(brokerMs),
      fhirUs: perMessage(fhirMs),
      quietAckPerSecond: quiet.perSecond,
      quietAckP99: quiet.p99,
      busyAckPerSecond: busy.perSecond,
      busyAckP99: busy.p99,
      brokerConfirmPerSecond: (await brokerCeiling(AMQP_URL, sample, CONNECTIONS, 4, false)).perSecond,
    };
  } finally {
    for (const server of fhir) server.stop();
    await deleteChannelTopology(AMQP_URL, { channelId: id, partitions: PARTITIONS, destinations: [{ name: 'd0', retryLevels: [] }, { name: 'd1', retryLevels: [] }] }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runCpuStagesBench(options: { messages?: number } = {}): Promise<StageRow[]> {
  const total = options.messages ?? Number(process.env.BENCH_MESSAGES ?? 5000);
  const only = process.env.BENCH_E2E?.toLowerCase();
  const rows: StageRow[] = [];
  for (const workload of WORKLOADS) {
    if (only === undefined || workload.name.toLowerCase().startsWith(only)) rows.push(await runWorkload(workload, total));
  }
  console.log(`\nmedibus CPU per message by stage (µs, /proc of the medibus process), ${CONNECTIONS} senders, validation on`);
  console.table(
    rows.map((r) => ({
      message: r.workload,
      messages: r.messages,
      intake: Math.round(r.intakeUs),
      transform: Math.round(r.transformUs),
      'delivery (each dest)': Math.round(r.deliveryUs),
      'end to end, 2 dests': Math.round(r.endToEndUs),
      'target 2 dests': 400,
    })),
  );
  console.log('\nthe same end-to-end run, CPU µs per message by part (each FHIR server stores every message once)');
  console.table(
    rows.map((r) => ({
      message: r.workload,
      medibus: Math.round(r.endToEndUs),
      RabbitMQ: Number.isNaN(r.brokerUs) ? 'not on this machine' : Math.round(r.brokerUs),
      'FHIR servers (both)': Math.round(r.fhirUs),
    })),
  );
  console.log(`\nMLLP listener: ACKs/s and p99 alone and while the pipeline runs (2 destinations), beside RabbitMQ's own confirms with ${CONNECTIONS} in flight`);
  console.table(
    rows.map((r) => ({
      message: r.workload,
      'ACK/s alone': Math.round(r.quietAckPerSecond),
      'p99 ms alone': r.quietAckP99.toFixed(1),
      'ACK/s busy': Math.round(r.busyAckPerSecond),
      'p99 ms busy': r.busyAckP99.toFixed(1),
      'broker confirms/s': Math.round(r.brokerConfirmPerSecond),
      'busy / broker (target ≥ 0.7)': (r.busyAckPerSecond / r.brokerConfirmPerSecond).toFixed(2),
    })),
  );
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runCpuStagesBench();
}
