/**
 * MLLP listener benchmark: correct ACKs per second and ACK latency, medibus against two
 * Node.js HL7 servers, with 1 and 8 persistent connections. Each connection behaves like a
 * real sender in original mode (HL7 v2.5.1 Appendix C): it sends the next message only once
 * the ACK for the previous one arrived, so throughput is bounded by per-message latency.
 *
 * Run alone: `npx tsx bench/mllp.ts [seconds-per-cell]`. Every server binds 127.0.0.1 and runs
 * in a child process (`bench/mllp.ts --serve <name>`); the load generator is this process.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { brokerCeiling } from './broker-ceiling.js';
import { profileArgs } from './stats.js';
import { Hl7Connection, type Hl7MessageEvent } from '@medplum/hl7';
import { connect as amqpConnect } from 'amqplib';
import { Server as NodeHl7Server } from 'node-hl7-server';
import type { ChannelTopology } from '../src/broker/topology.js';
import type { LoadedChannel } from '../src/config/types.js';
import { Engine } from '../src/engine.js';
import { ackCode, buildAckText, encodeText, parseMessage, type Hl7Message } from '../src/hl7/index.js';
import { silentLogger } from '../src/log.js';
import { MllpClient } from '../src/mllp/client.js';
import { MllpServer } from '../src/mllp/server.js';
import { uuidv7 } from '../src/util/ids.js';
import { freePort } from '../test/support/process.js';

export interface Listener {
  readonly port: number;
  /** overrides the row's label when the listener found out what it really runs */
  readonly label?: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * The medibus row: the engine with one MLLP channel, so every ACK is the durable path —
 * intake parses, publishes to the channel's ingress with publisher confirms (quorum queues),
 * and only then answers AA. The channel has no transform, so nothing consumes; its queues
 * are deleted afterwards by exact name. Without a reachable RabbitMQ (AMQP_URL, else the local
 * one) the row falls back to the bare listener answering from the parsed message, and says so.
 */
export async function startMedibusListener(): Promise<Listener> {
  const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  if (!(await brokerAnswers(amqpUrl))) return startBareMedibus();
  const id = `bench-mllp-${randomBytes(4).toString('hex')}`;
  const source = { type: 'mllp', host: HOST, port: 0, maxFrameSize: 16 * 1024 * 1024, idleTimeout: 0, ackTimeout: 5000, maxConnections: 256, charset: 'UTF-8' };
  const channel: LoadedChannel = {
    file: fileURLToPath(import.meta.url),
    config: { id, enabled: true, source, ordering: { key: 'PID-3[1]', partitions: 4 }, destinations: [], log: { debug: false }, tests: [] },
  };
  const engine = new Engine({ channels: [channel], amqpUrl, log: silentLogger });
  await engine.start();
  const runtime = engine.channel(id);
  return {
    port: runtime?.address()?.port ?? 0,
    label: 'medibus (RabbitMQ confirms)',
    async stop() {
      await engine.stop();
      if (runtime) await deleteTopology(amqpUrl, runtime.topology);
    },
  };
}

async function brokerAnswers(url: string): Promise<boolean> {
  try {
    await (await amqpConnect(url, { timeout: 2000 })).close();
    return true;
  } catch {
    return false;
  }
}

async function deleteTopology(url: string, topology: ChannelTopology): Promise<void> {
  const connection = await amqpConnect(url);
  const channel = await connection.createChannel();
  for (const q of topology.queues) await channel.deleteQueue(q.name);
  for (const x of topology.exchanges) await channel.deleteExchange(x.name);
  await connection.close();
}

/** The transport and HL7 core alone: parse, answer AA (AR when unreadable), no broker. */
async function startBareMedibus(): Promise<Listener> {
  const server = new MllpServer(
    { host: HOST, port: 0, maxFrameSize: 16 * 1024 * 1024, idleTimeout: 0, maxConnections: 256, log: silentLogger },
    {
      async onFrame(payload) {
        const original = tryParse(payload);
        const code = ackCode(original, original === undefined ? 'reject' : 'accept');
        return encodeText(buildAckText(original, { code, controlId: uuidv7() }), original?.charset ?? 'UTF-8');
      },
      onOversize: () => undefined,
    },
  );
  await server.start();
  return { port: server.address()?.port ?? 0, label: 'medibus (no broker)', stop: () => server.stop() };
}

function tryParse(payload: Buffer): Hl7Message | undefined {
  try {
    return parseMessage(payload);
  } catch {
    return undefined; // answered with AR, as the intake does for an unreadable message
  }
}

export interface MllpBenchOptions {
  /** measured time per (server, connections) cell; default 3000 ms */
  readonly durationMs?: number;
  /** unmeasured warm-up per cell on separate connections; default 500 ms */
  readonly warmupMs?: number;
  readonly connections?: readonly number[];
  /** run only the servers whose label contains one of these strings (default: all) */
  readonly only?: readonly string[];
  /** print the table to stdout (default true) */
  readonly print?: boolean;
}

export interface MllpBenchRow {
  readonly server: string;
  readonly connections: number;
  readonly acksPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** replies that were not the AA/CA for the control ID just sent (duplicates, late, negative) */
  readonly wrongOrExtra: number;
  /** sends that timed out or lost their connection */
  readonly errors: number;
}

/** @medplum/hl7: Hl7Server.start(port) binds every interface and takes no host, so the bench
 * runs its per-connection class (what Hl7Server wraps) on a net.Server bound to loopback. */
async function startMedplum(): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const connection = new Hl7Connection(socket);
    connection.addEventListener('message', (event: Hl7MessageEvent) => connection.send(event.message.buildAck()));
    connection.addEventListener('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return { port: portOf(server.address()), stop: () => closeServer(server, sockets) };
}

/** node-hl7-server 2.5.0 needs a fixed port (it does not report the one chosen for 0). */
async function startNodeHl7Server(): Promise<Listener> {
  const port = await freePort();
  // The library calls the handler with `void`: a rejected send would end the bench with an
  // unhandled rejection. A failed ACK is counted where it shows, in the client's errors.
  const inbound = new NodeHl7Server({ bindAddress: HOST }).createInbound({ port }, (_req, res) => {
    res.sendResponse('AA').catch(() => undefined);
  });
  await new Promise<void>((resolve) => inbound.once('listen', resolve));
  return { port, stop: () => inbound.close().then(() => undefined) };
}

const TARGETS = {
  medplum: { label: '@medplum/hl7 4.5.2', start: startMedplum },
  'node-hl7-server': { label: 'node-hl7-server 2.5.0', start: startNodeHl7Server },
  medibus: { label: 'medibus', start: startMedibusListener },
} as const satisfies Record<string, { label: string; start: () => Promise<Listener> }>;
type TargetKey = keyof typeof TARGETS;

function isTargetKey(key: string | undefined): key is TargetKey {
  return key !== undefined && Object.hasOwn(TARGETS, key);
}

/**
 * Runs a listener in a child process: the load generator and the server each get their own
 * event loop (and core), as with a real sender, and one server cannot slow the next.
 */
async function startInChild(key: TargetKey): Promise<Listener> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', key], { execArgv: [...process.execArgv, ...profileArgs(key)], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ port: number; label?: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; label?: string }));
    child.once('exit', (code) => reject(new Error(`${key} listener exited with ${String(code)} before listening`)));
  });
  return {
    ...ready,
    async stop() {
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** child side of startInChild */
async function serve(key: TargetKey): Promise<void> {
  const listener = await TARGETS[key].start();
  process.once('message', () => {
    void listener.stop().finally(() => process.exit(0));
  });
  process.send?.({ port: listener.port, label: listener.label });
}

function adtA01(controlId: string): Buffer {
  return Buffer.from(
    [
      `MSH|^~\\&|HIS|GENERAL HOSPITAL|MEDIBUS|GENERAL HOSPITAL|20240611083000||ADT^A01^ADT_A01|${controlId}|P|2.5.1||||||UNICODE UTF-8`,
      'EVN|A01|20240611083000',
      `PID|1||${controlId}^^^GH^MR||NGUYEN^VAN AN^^^^^L||19800101|M|||12 LY THUONG KIET^^HA NOI^^100000^VN||^PRN^PH^^84^912345678`,
      'PV1|1|I|W3^301^1^GH||||1234^TRAN^THI BINH^^^DR|||MED||||1|||1234^TRAN^THI BINH^^^DR|IN||||||||||||||||||||||||||20240611083000',
      '',
    ].join('\r'),
    'utf8',
  );
}

/** MSA-1 and MSA-2 of a reply; the bench parses only what it checks */
function msa(reply: Buffer): { code: string; controlId: string } | undefined {
  const text = reply.toString('latin1');
  const start = text.search(/(^|[\r\n])MSA/);
  if (start < 0) return undefined;
  const line = text.slice(text.indexOf('MSA', start)).split(/[\r\n]/, 1)[0] ?? '';
  const fields = line.split(line.charAt(3));
  return { code: fields[1] ?? '', controlId: fields[2] ?? '' };
}

interface CellResult {
  readonly latencies: number[];
  wrong: number;
  errors: number;
}

async function runConnection(port: number, tag: string, deadline: number, result: CellResult): Promise<void> {
  const client = new MllpClient({ host: HOST, port });
  let seq = 0;
  try {
    while (performance.now() < deadline) {
      const controlId = `${tag}-${++seq}`;
      const started = performance.now();
      try {
        // Only the ACK naming this control ID counts; anything else is skipped and counted.
        const reply = await client.send(adtA01(controlId), { timeoutMs: 5000, accept: (r) => msa(r)?.controlId === controlId });
        const code = msa(reply)?.code;
        if (code === 'AA' || code === 'CA') result.latencies.push(performance.now() - started);
        else result.wrong++;
      } catch {
        result.errors++;
      }
    }
  } finally {
    result.wrong += client.strayReplies;
    await client.close();
  }
}

async function runCell(port: number, connections: number, durationMs: number, tag: string): Promise<CellResult> {
  const result: CellResult = { latencies: [], wrong: 0, errors: 0 };
  const deadline = performance.now() + durationMs;
  await Promise.all(Array.from({ length: connections }, (_, i) => runConnection(port, `${tag}${i}`, deadline, result)));
  return result;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function runMllpBench(options: MllpBenchOptions = {}): Promise<MllpBenchRow[]> {
  const durationMs = options.durationMs ?? 3000;
  const warmupMs = options.warmupMs ?? 500;
  const rows: MllpBenchRow[] = [];
  const keys = (Object.keys(TARGETS) as TargetKey[]).filter((k) => options.only === undefined || options.only.some((o) => TARGETS[k].label.includes(o)));
  for (const key of keys) {
    for (const connections of options.connections ?? [1, 8]) {
      // A fresh listener per cell: one cell's state (or leak) must not weigh on the next.
      const listener = await startInChild(key);
      try {
        if (warmupMs > 0) await runCell(listener.port, connections, warmupMs, 'W');
        const cell = await runCell(listener.port, connections, durationMs, 'M');
        const sorted = [...cell.latencies].sort((a, b) => a - b);
        rows.push({
          server: listener.label ?? TARGETS[key].label,
          connections,
          acksPerSec: cell.latencies.length / (durationMs / 1000),
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          wrongOrExtra: cell.wrong,
          errors: cell.errors,
        });
      } finally {
        await listener.stop();
      }
    }
  }
  // What a durable listener cannot beat: RabbitMQ alone, the same publish-with-confirm per
  // message, as many in flight as there are connections, nobody in between.
  if (options.only === undefined || options.only.some((o) => 'RabbitMQ'.includes(o) || o === 'medibus')) {
    const size = readFileSync(new URL('../fixtures/hl7/vi-adt-a01-utf8.hl7', import.meta.url)).length;
    for (const connections of options.connections ?? [1, 8]) {
      const c = await brokerCeiling(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', size, connections, durationMs / 1000, false).catch(() => undefined);
      if (c) rows.push({ server: 'RabbitMQ alone (publish + confirm, no listener)', connections, acksPerSec: c.perSecond, p50Ms: c.p50, p99Ms: c.p99, wrongOrExtra: 0, errors: 0 });
    }
  }
  if (options.print ?? true) process.stdout.write(`${formatTable(rows)}\n`);
  return rows;
}

export function formatTable(rows: readonly MllpBenchRow[]): string {
  const header = ['server', 'connections', 'ACKs/s', 'p50 ms', 'p99 ms', 'wrong/extra ACKs', 'errors'];
  const body = rows.map((r) => [r.server, String(r.connections), r.acksPerSec.toFixed(0), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), String(r.wrongOrExtra), String(r.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function portOf(address: ReturnType<ReturnType<typeof createServer>['address']>): number {
  if (address === null || typeof address === 'string') throw new Error('listener has no TCP port');
  return address.port;
}

async function closeServer(server: ReturnType<typeof createServer>, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, value] = process.argv.slice(2);
  const main = flag === '--serve' && isTargetKey(value) ? serve(value) : runMllpBench({ durationMs: Number(flag ?? '3') * 1000 });
  void main.then(
    () => undefined,
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
