/**
 * The contract every source connector passes, against the real broker (docs/architecture.md,
 * "Connector conformance"): the source is built through src/sources/registry.ts inside a real
 * engine (channel runtime and intake) whose broker connection runs through a TCP proxy, so a
 * case can stall or cut the broker without touching the shared RabbitMQ; a real client sends
 * input and reads the answer. A driver (drivers/sources/*.ts) knows one source type: its
 * config, its input, its client. The cases:
 *   - opens and closes cleanly: the port is free again, no socket left, clients let go;
 *   - the positive answer comes only after the broker confirmed (never while it is stalled),
 *     and the message is in ingress when the answer arrives;
 *   - a negative answer while the broker is down, and the sender's next try accepted after;
 *   - through a broker reconnect mid-stream: no positively answered message is missing;
 *   - oversize input refused with a negative answer that says why, and the source serves on;
 *   - stop drains in-flight messages: each is answered, none cut, no new one taken; and it
 *     returns in bounded time even while the broker is hung.
 */
import type { ConsumeMessage } from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadYamlText, channelSchema } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import type { ChannelConfig, LoadedChannel } from '../../src/config/types.js';
import type { ChannelRuntime } from '../../src/pipeline/channel.js';
import { rawConnection, readyCount, sleep, take } from '../broker/helpers.js';
import { brokerUrl, deleteChannelTopology, uniqueId } from '../support/broker.js';
import { startEngine, waitFor, type RunningEngine } from '../support/engine.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** What the sender read back (MLLP: the ACK; a C-STORE response status; a file's done/failed). */
export interface SourceAnswer {
  /** the protocol's "stored, forget it" (AA/CA for MLLP) */
  readonly positive: boolean;
  /** the answer as the protocol spells it (AA, AE, AR …) */
  readonly code: string;
  /** the MEDIBUS_ERR_* code a negative answer carries ('' when none) */
  readonly error: string;
  /** what a negative answer says about why ('' when none) */
  readonly reason: string;
}

export interface SourceClient {
  /** sends one input and waits for its answer; rejects when there is no answer (connection lost, timeout) */
  send(input: Buffer, timeoutMs: number): Promise<SourceAnswer>;
  close(): Promise<void>;
}

export interface SourceLimits {
  /** inputs larger than this must be refused */
  readonly maxInputBytes: number;
  /** how long the source waits for the broker's confirm before answering negatively */
  readonly ackTimeoutMs: number;
}

/** One case's source: its `source:` block and how to reach it once the channel runs. */
export interface SourceSetup {
  /** the `source:` block as a channel file says it; the real loader applies schema, defaults and units */
  readonly source: Record<string, unknown>;
  connect(runtime: ChannelRuntime): Promise<SourceClient>;
  /** after stop: is what the source held (its port, its folder) free for someone else? */
  released(runtime: { host: string; port: number } | undefined): Promise<boolean>;
  cleanup(): void | Promise<void>;
}

export interface SourceDriver {
  /** `source.type`, as in the registry */
  readonly type: string;
  /** the channel's ordering key in the kind's own paths (default `PID-3[1]`, for hl7v2 sources) */
  readonly orderingKey?: string;
  setup(limits: SourceLimits): SourceSetup | Promise<SourceSetup>;
  /** a well-formed input that ingress will carry under `id` */
  input(id: string): Buffer;
  /** a well-formed input above `maxInputBytes` */
  oversize(id: string, maxInputBytes: number): Buffer;
  /** the id an ingress message carries (the `id` of its input) */
  ingressId(message: ConsumeMessage): string;
}

/** The TCP handles a source may leave behind, by kind (process.getActiveResourcesInfo). */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap' || kind === 'TCPSocketWrap').length;
}

/** A channel around the driver's source, through the real loader; no destinations, so ingress keeps what it took. */
function channelWith(source: Record<string, unknown>, orderingKey = 'PID-3[1]'): LoadedChannel {
  const id = uniqueId('conf');
  const text = `id: ${id}\nsource: ${JSON.stringify(source)}\nordering: { key: ${JSON.stringify(orderingKey)}, partitions: 2 }\ndestinations: []\n`;
  const loaded = loadYamlText<ChannelConfig>(text, 'conformance.yaml', channelSchema());
  if (loaded.value === undefined) throw new Error(`source config refused:\n${loaded.diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
  return { file: 'conformance.yaml', config: loaded.value };
}

interface Case {
  readonly running: RunningEngine;
  readonly runtime: ChannelRuntime;
  readonly setup: SourceSetup;
  readonly clients: SourceClient[];
  client(): Promise<SourceClient>;
}

/** Sends until the answer is positive (a sender that keeps its message), within a bounded time. */
async function sendUntilAccepted(c: Case, input: Buffer, deadlineMs: number, seen: string[] = []): Promise<SourceAnswer> {
  const deadline = Date.now() + deadlineMs;
  let client = await c.client();
  for (;;) {
    try {
      const answer = await client.send(input, 5000);
      if (answer.positive) return answer;
      seen.push(answer.code);
    } catch {
      seen.push('no answer');
      await client.close().catch(() => undefined);
      client = await c.client();
    }
    if (Date.now() > deadline) throw new Error(`not accepted within ${deadlineMs} ms (answers: ${seen.join(', ')})`);
    await sleep(50);
  }
}

export function sourceConformance(driver: SourceDriver): void {
  describe(`source ${driver.type}: conformance`, () => {
    let url: string;
    let proxy: TcpProxy;
    const open: Case[] = [];

    beforeAll(async () => {
      url = await brokerUrl();
      const target = new URL(url);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
    });
    afterEach(async () => {
      proxy.up();
      for (const c of open.splice(0)) {
        for (const client of c.clients) await client.close().catch(() => undefined);
        await c.running.stop();
        await c.setup.cleanup();
        // the broker outlives the run: leave no queue of this case behind
        await deleteChannelTopology(url, { channelId: c.runtime.id, partitions: 2, queueType: 'quorum', destinations: [] });
      }
    });
    afterAll(async () => {
      await proxy?.close();
    });

    async function start(limits: Partial<SourceLimits> = {}): Promise<Case> {
      const setup = await driver.setup({ maxInputBytes: 64 * 1024, ackTimeoutMs: 3000, ...limits });
      const channel = channelWith(setup.source, driver.orderingKey);
      const running = await startEngine({ channels: [channel], amqpUrl: proxy.url(url) });
      const runtime = running.engine.channel(channel.config.id);
      if (runtime === undefined) throw new Error('the channel did not start');
      const clients: SourceClient[] = [];
      const c: Case = {
        running,
        runtime,
        setup,
        clients,
        async client() {
          const client = await setup.connect(runtime);
          clients.push(client);
          return client;
        },
      };
      open.push(c);
      return c;
    }

    /** ids of the messages in the channel's ingress queues, read directly from the broker (taken off) */
    async function ingressIds(c: Case): Promise<string[]> {
      const connection = await rawConnection(url);
      try {
        const ids: string[] = [];
        for (const queue of c.runtime.topology.ingress.queues) {
          const count = await readyCount(connection, queue);
          if (count > 0) ids.push(...(await take(connection, queue, count)).map((m) => driver.ingressId(m)));
        }
        return ids.sort();
      } finally {
        await connection.close();
      }
    }

    async function ingressCount(c: Case): Promise<number> {
      const connection = await rawConnection(url);
      try {
        let total = 0;
        for (const queue of c.runtime.topology.ingress.queues) total += await readyCount(connection, queue);
        return total;
      } finally {
        await connection.close();
      }
    }

    it('opens and closes cleanly: the port is free again, no socket is left, connected clients are let go', async () => {
      const before = tcpHandles();
      const c = await start();
      const address = c.runtime.address();
      const client = await c.client();
      expect((await client.send(driver.input('OPEN-1'), 5000)).positive).toBe(true);
      await c.running.engine.stop();
      await waitFor(() => c.setup.released(address), 5000, 'the source to let go of its address');
      // the connected client is not left waiting on a source that is gone
      await expect(client.send(driver.input('AFTER-STOP'), 2000)).rejects.toThrow();
      await client.close();
      c.clients.length = 0;
      await waitFor(() => tcpHandles() <= before, 5000, `TCP handles back to ${before} (now ${tcpHandles()})`);
    });

    it('answers positively only after the broker confirmed: not while the broker is stalled; then the message is in ingress', async () => {
      const c = await start({ ackTimeoutMs: 10_000 });
      const client = await c.client();
      expect((await client.send(driver.input('WARM-UP'), 5000)).positive).toBe(true);
      proxy.stall();
      let early: SourceAnswer | Error | undefined;
      const pending = client.send(driver.input('CONFIRM-1'), 15_000).then(
        (answer) => (early = answer),
        (error: Error) => (early = error),
      );
      await sleep(600);
      // the publish sits in the stalled proxy: the broker cannot have confirmed, so no answer yet
      expect(early).toBeUndefined();
      expect(await ingressCount(c)).toBe(1);
      proxy.up();
      const answer = await pending;
      expect(answer).toMatchObject({ positive: true });
      // at the moment of the positive answer the message is already in ingress
      expect(await ingressCount(c)).toBe(2);
      expect(await ingressIds(c)).toEqual(['CONFIRM-1', 'WARM-UP']);
    });

    it('answers negatively while the broker is down, and accepts the sender\'s next try once it is back', async () => {
      const c = await start({ ackTimeoutMs: 1500 });
      const client = await c.client();
      proxy.down();
      const answer = await client.send(driver.input('DOWN-1'), 10_000);
      expect(answer.positive).toBe(false);
      expect(answer.error, JSON.stringify(answer)).toMatch(/^MEDIBUS_ERR_BROKER_/);
      expect(answer.reason).not.toBe('');
      proxy.up();
      const seen: string[] = [];
      expect((await sendUntilAccepted(c, driver.input('DOWN-1'), 20_000, seen)).positive).toBe(true);
      // only the accepted try was kept
      expect(await ingressIds(c)).toEqual(['DOWN-1']);
    });

    it('through a broker reconnect mid-stream, no positively answered message is missing from ingress', async () => {
      const c = await start({ ackTimeoutMs: 1500 });
      const total = 40;
      const senders = 2;
      const accepted: string[] = [];
      const negatives: string[] = [];
      let outage: Promise<void> | undefined;
      const cutAfter = 10;
      const stream = async (s: number): Promise<void> => {
        for (let i = s; i < total; i += senders) {
          const id = `RECONNECT-${String(i).padStart(3, '0')}`;
          await sendUntilAccepted(c, driver.input(id), 30_000, negatives);
          accepted.push(id);
          if (accepted.length === cutAfter && outage === undefined) {
            outage = (async () => {
              proxy.down();
              await sleep(400);
              proxy.up();
            })();
          }
        }
      };
      await Promise.all(Array.from({ length: senders }, (_, s) => stream(s)));
      await outage;
      // the cut did happen while messages were flowing
      expect(negatives.length).toBeGreaterThan(0);
      expect(accepted).toHaveLength(total);
      const queued = new Set(await ingressIds(c));
      // at least once: every positively answered id is there (a resend may add a duplicate)
      expect(accepted.filter((id) => !queued.has(id))).toEqual([]);
    });

    it('refuses oversize input with a negative answer that says why, and keeps serving', async () => {
      const limit = 4096;
      const c = await start({ maxInputBytes: limit });
      const client = await c.client();
      const answer = await client.send(driver.oversize('BIG-1', limit), 5000);
      expect(answer.positive).toBe(false);
      expect(answer.error).toMatch(/^MEDIBUS_ERR_/);
      expect(answer.reason).toContain(String(limit));
      expect((await client.send(driver.input('AFTER-BIG'), 5000)).positive).toBe(true);
      expect(await ingressIds(c)).toEqual(['AFTER-BIG']);
    });

    it('stop drains in-flight messages: each is answered, none is cut, nothing new is taken', async () => {
      const c = await start({ ackTimeoutMs: 15_000 });
      const clients = await Promise.all([1, 2, 3].map(() => c.client()));
      // connections are open and working before the broker stalls
      for (const [i, client] of clients.entries()) expect((await client.send(driver.input(`PRE-${i}`), 5000)).positive).toBe(true);
      proxy.stall();
      const pending = clients.map((client, i) => client.send(driver.input(`INFLIGHT-${i}`), 20_000));
      await sleep(300);
      let stopped = false;
      const stopping = c.running.engine.stop().then(() => (stopped = true));
      await sleep(300);
      expect(stopped).toBe(false);
      const late = await lateClient(c);
      await expect(late.send(driver.input('LATE'), 2000)).rejects.toThrow();
      await late.close();
      proxy.up();
      const answers = await Promise.all(pending);
      expect(answers.map((a) => a.positive)).toEqual([true, true, true]);
      await stopping;
      expect(await ingressIds(c)).toEqual(['INFLIGHT-0', 'INFLIGHT-1', 'INFLIGHT-2', 'PRE-0', 'PRE-1', 'PRE-2']);
    });

    it('stops within bounded time while the broker is hung, answering the in-flight message negatively', async () => {
      const c = await start({ ackTimeoutMs: 1500 });
      const client = await c.client();
      expect((await client.send(driver.input('PRE-HUNG'), 5000)).positive).toBe(true);
      proxy.stall();
      const pending = client.send(driver.input('HUNG-1'), 10_000);
      await sleep(200);
      const started = Date.now();
      // the broker answers nothing, not even the closes: stopping must not wait on it forever
      await c.running.engine.stop();
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await pending).toMatchObject({ positive: false });
    }, 30_000);
  });
}

/** a client made after the source stopped accepting (its connect may fail: that is the point) */
async function lateClient(c: Case): Promise<SourceClient> {
  return c.setup.connect(c.runtime).catch((error: unknown) => ({
    send: () => Promise.reject(error instanceof Error ? error : new Error(String(error))),
    close: () => Promise.resolve(),
  }));
}
