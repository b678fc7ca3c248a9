/**
 * A whole medibus for the operators' app tests: a real engine on the real RabbitMQ with one
 * ADT channel mapped to FHIR, its destination a real FHIR server behind a TCP proxy (so a
 * test can take the destination down), the embedded message store (SQLite), and the operators' app listening
 * on 127.0.0.1:0. Users are made as `medibus user add` makes them.
 */
import { Broker } from '../../src/broker/connection.js';
import { loadChannels } from '../../src/config/index.js';
import { startFhirServer, type RunningFhirServer } from '../../src/fhir-server/index.js';
import { createLogger } from '../../src/log.js';
import { startOperatorsApp, type RunningOperatorsApp } from '../../src/ops/index.js';
import { hashPassword } from '../../src/ops/core/passwords.js';
import type { MessageStore, Role } from '../../src/store/types.js';
import { brokerUrl, uniqueId } from './broker.js';
import { startEngine, type RunningEngine } from './engine.js';
import { channelStoreSettings, openStore, startStoreRuntime } from '../../src/store/open.js';
import { channelsDir } from './process.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface OpsStack {
  readonly running: RunningEngine;
  readonly channelId: string;
  /** the channel's MLLP port now (port 0: a start after a stop binds a new one) */
  mllpPort(): number;
  readonly fhir: RunningFhirServer;
  /** in front of the FHIR server: down() makes the destination fail */
  readonly proxy: TcpProxy;
  readonly ops: RunningOperatorsApp;
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  readonly base: string;
  readonly store: MessageStore;
  addUser(name: string, role: Role, password?: string): Promise<void>;
  /** logs in over HTTP; the session cookie to send */
  login(name: string, password?: string): Promise<string>;
  /** stops everything (the engine closes the store) */
  stop(): Promise<void>;
}

export const TEST_PASSWORD = 'mật-khẩu-đủ-dài';

export async function startOpsStack(options: { maxAttempts?: number; initialDelay?: string; maxDelay?: string; replaysPerMinute?: number } = {}): Promise<OpsStack> {
  const amqpUrl = await brokerUrl();
  const fhir = await startFhirServer({ port: 0 });
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(fhir.url).port) });
  const channelId = uniqueId('ops');
  const dir = await channelsDir({
    'adt.yaml': `id: ${channelId}
description: ADT từ HIS (Bệnh viện Chợ Rẫy)
source: { type: mllp, host: 127.0.0.1, port: 0, ackTimeout: 5s }
ordering: { key: "PID-3[1]", partitions: 2 }
transform: { mapping: adt, timezone: Asia/Ho_Chi_Minh }
destinations:
  - name: emr
    type: fhir
    url: http://127.0.0.1:${proxy.port}/fhir
    timeout: 2s
    ordering: none
    retry: { maxAttempts: ${options.maxAttempts ?? 3}, initialDelay: ${options.initialDelay ?? '200ms'}, maxDelay: ${options.maxDelay ?? '400ms'} }
`,
  });
  const { channels, diagnostics } = await loadChannels(dir.dir);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`test channel does not load: ${JSON.stringify(errors)}`);
  // the embedded store (SQLite) in a directory of the test's own, given to the engine as
  // `medibus start` gives it (status events and content through its batching writer)
  const dataDir = await mkdtemp(path.join(tmpdir(), 'medibus-ops-'));
  const store: MessageStore = (await openStore({ location: { backend: 'sqlite', file: path.join(dataDir, 'store.db') }, dataDir }))!;
  const storeRuntime = await startStoreRuntime({ store, dataDir, log: createLogger({ level: 'silent' }), channels: new Map(channels.map((c) => [c.config.id, channelStoreSettings(c.config.store)])), writer: { flushDelayMs: 20 } });
  const running = await startEngine({ channels, amqpUrl, queueType: 'quorum', mappingsDir: new URL('../../mappings', import.meta.url).pathname, store: storeRuntime });
  const broker = new Broker({ url: amqpUrl, name: 'medibus ops test', logger: createLogger({ level: 'silent' }) });
  broker.start();
  await broker.waitUntilConnected(10_000);
  const ops = await startOperatorsApp({
    channels: () => running.engine.channels,
    store,
    broker,
    status: running.engine.status,
    log: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    ...(options.replaysPerMinute === undefined ? {} : { replaysPerMinute: options.replaysPerMinute }),
  });
  const base = ops.url.replace(/\/$/, '');
  const stack: OpsStack = {
    running,
    channelId,
    mllpPort: () => running.port(channelId),
    fhir,
    proxy,
    ops,
    base,
    store,
    async addUser(name, role, password = TEST_PASSWORD) {
      await store.putUser({ name, role, passwordHash: await hashPassword(password), disabled: false, createdAt: new Date() });
    },
    async login(name, password = TEST_PASSWORD) {
      const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
      if (res.status !== 200) throw new Error(`login of ${name} answered ${res.status}`);
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    },
    async stop() {
      await ops.stop();
      await running.stop();
      await broker.close();
      await proxy.close();
      await fhir.stop();
      await rm(dataDir, { recursive: true, force: true });
      await dir.remove();
    },
  };
  return stack;
}
