/**
 * Helpers for the broker tests: fast-reconnecting Brokers, a declared topology that cleans
 * up after itself, and ways to read partition queues (single-active-consumer quorum queues
 * refuse basic.get, so we count with queue.declare-passive and read by consuming).
 */
import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { Broker } from '../../src/broker/connection.js';
import { declareTopology } from '../../src/broker/declare.js';
import { channelTopology, type ChannelTopology, type TopologyOptions } from '../../src/broker/topology.js';
import { deleteChannelTopology, uniqueId } from '../support/broker.js';

/** polls `check` until it holds, or fails after `timeoutMs` */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A Broker that reconnects quickly, for outage tests (production defaults are gentler). */
export function testBroker(url: string, name = 'test'): Broker {
  return new Broker({ url, name, heartbeatSeconds: 5, connectTimeoutMs: 2000, reconnect: { initialDelayMs: 50, maxDelayMs: 400 } });
}

/** A plain amqplib connection for the test's own checks (not through the code under test). */
export function rawConnection(url: string): Promise<ChannelModel> {
  return connect(url, { noDelay: true });
}

export interface Declared {
  readonly topology: ChannelTopology;
  readonly options: TopologyOptions;
  cleanup(): Promise<void>;
}

/** Declares a uniquely named channel topology on its own connection. */
export async function declared(url: string, options: Omit<TopologyOptions, 'channelId'> & { channelId?: string }): Promise<Declared> {
  const full: TopologyOptions = { ...options, channelId: options.channelId ?? uniqueId('t') };
  const topology = channelTopology(full);
  const connection = await rawConnection(url);
  try {
    await declareTopology(connection, topology);
  } finally {
    await connection.close();
  }
  return { topology, options: full, cleanup: () => deleteChannelTopology(url, full) };
}

/** Ready messages in a queue (queue.declare passive). */
export async function readyCount(connection: ChannelModel, queue: string): Promise<number> {
  const ch = await connection.createChannel();
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await ch.close();
  }
}

/** Consumes (and acks) `n` messages from a queue, or fails after timeoutMs. */
export async function take(connection: ChannelModel, queue: string, n: number, timeoutMs = 10_000): Promise<ConsumeMessage[]> {
  const ch = await connection.createChannel();
  const got: ConsumeMessage[] = [];
  try {
    await ch.prefetch(n);
    await ch.consume(queue, (msg) => {
      if (msg && got.length < n) {
        got.push(msg);
        ch.ack(msg);
      }
    });
    await waitFor(() => got.length >= n, timeoutMs, `${n} message(s) in ${queue}`);
    return got;
  } finally {
    await ch.close();
  }
}

/** Headers of a message as a plain record (amqplib types them loosely). */
export function headersOf(msg: { properties: { headers?: unknown } }): Record<string, unknown> {
  return (msg.properties.headers ?? {}) as Record<string, unknown>;
}
