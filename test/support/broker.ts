/**
 * How tests find a RabbitMQ:
 *   1. AMQP_URL when set;
 *   2. the container started once per run by test/support/global-setup.ts (handed over with
 *      vitest's provide/inject) when a Docker engine answered;
 *   3. amqp://guest:guest@127.0.0.1:5672, the broker this machine runs.
 * When Docker answers but global setup is not configured, one container is started per test
 * worker as a fallback (slower, still correct).
 *
 * The broker may be shared with other test files and other people's tests: every name is
 * made unique with `uniqueId` and deleted afterwards with `deleteChannelTopology`; nothing
 * is ever purged or deleted by pattern.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'amqplib';
import { inject } from 'vitest';
import { channelTopology, type TopologyOptions } from '../../src/broker/topology.js';
import { dockerAnswers, startRabbitContainer } from './global-setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** set by global-setup.ts when it started a RabbitMQ container */
    amqpUrl: string | undefined;
  }
}

export const LOCAL_BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

let resolved: Promise<string> | undefined;

export function brokerUrl(): Promise<string> {
  resolved ??= discover();
  return resolved;
}

async function discover(): Promise<string> {
  const fromEnv = process.env.AMQP_URL;
  if (fromEnv) return fromEnv;
  const provided = providedUrl();
  if (provided) return provided;
  if (await dockerAnswers()) {
    // global setup not configured: one container for this worker; the testcontainers reaper
    // (Ryuk) removes it when the worker exits
    return (await startRabbitContainer()).url;
  }
  return LOCAL_BROKER_URL;
}

function providedUrl(): string | undefined {
  try {
    return inject('amqpUrl');
  } catch {
    return undefined; // outside a vitest worker (a script)
  }
}

/** A name part no other test (or person) will pick: `<prefix>-<12 hex>`. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * Deletes the queues and exchanges of a channel topology (names from topology.ts, never a
 * pattern). Missing entities are fine: RabbitMQ's delete is idempotent.
 */
export async function deleteChannelTopology(url: string, options: TopologyOptions): Promise<void> {
  const topology = channelTopology(options);
  const connection = await connect(url, { noDelay: true });
  try {
    for (const q of topology.queues) await withChannel(connection, (ch) => ch.deleteQueue(q.name));
    for (const x of topology.exchanges) await withChannel(connection, (ch) => ch.deleteExchange(x.name));
  } finally {
    await connection.close();
  }
}

/** Deletes queues and exchanges by exact name (for tests that declare their own). */
export async function deleteNames(url: string, names: { queues?: readonly string[]; exchanges?: readonly string[] }): Promise<void> {
  const connection = await connect(url, { noDelay: true });
  try {
    for (const q of names.queues ?? []) await withChannel(connection, (ch) => ch.deleteQueue(q));
    for (const x of names.exchanges ?? []) await withChannel(connection, (ch) => ch.deleteExchange(x));
  } finally {
    await connection.close();
  }
}

type Conn = Awaited<ReturnType<typeof connect>>;
type Ch = Awaited<ReturnType<Conn['createChannel']>>;

/** One channel per operation: an error closes only that channel, the cleanup goes on. */
async function withChannel(connection: Conn, op: (ch: Ch) => Promise<unknown>): Promise<void> {
  const ch = await connection.createChannel();
  ch.on('error', () => undefined);
  try {
    await op(ch);
    await ch.close();
  } catch {
    // already gone, or the channel closed on error: nothing left to clean
  }
}
