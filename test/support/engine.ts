/**
 * Helpers for tests that run the whole engine against the real broker: a channel built in
 * code (as the loader would produce it), an engine that reconnects quickly and cleans its
 * topology up, a log that can be read back, and an MLLP sender.
 */
import { fileURLToPath } from 'node:url';
import type { ChannelConfig, LoadedChannel } from '../../src/config/types.js';
import { Engine, type EngineOptions } from '../../src/engine.js';
import { createLogger, type Logger } from '../../src/log.js';
import { MllpClient } from '../../src/mllp/client.js';
import { deleteChannelTopology, uniqueId } from './broker.js';

export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A logger whose lines are kept (parsed) and also as raw text, to search for leaked PHI. */
export function captureLog(): { log: Logger; entries: LogEntry[]; text: () => string } {
  const lines: string[] = [];
  const entries: LogEntry[] = [];
  const log = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        lines.push(line);
        entries.push(JSON.parse(line) as LogEntry);
      },
    },
  });
  return { log, entries, text: () => lines.join('') };
}

type ChannelOverrides = Partial<Omit<ChannelConfig, 'source'>> & { source?: Record<string, unknown> };

/** A channel listening on an ephemeral port, with a unique id (its queues are its own). */
export function testChannel(overrides: ChannelOverrides = {}): LoadedChannel {
  const { source, ...rest } = overrides;
  const config: ChannelConfig = {
    id: uniqueId('ch'),
    enabled: true,
    source: { type: 'mllp', host: '127.0.0.1', port: 0, maxFrameSize: 16 * 1024 * 1024, idleTimeout: 0, ackTimeout: 3000, maxConnections: 64, charset: 'UTF-8', ...source },
    ordering: { key: 'PID-3[1]', partitions: 2 },
    destinations: [],
    log: { debug: false },
    tests: [],
    ...rest,
  };
  return { file: fileURLToPath(new URL('../../channels/test.yaml', import.meta.url)), config };
}

export interface RunningEngine {
  readonly engine: Engine;
  /** MLLP port of a channel */
  port(channelId: string): number;
  /** stops the engine and deletes the channels' queues and exchanges */
  stop(): Promise<void>;
}

export async function startEngine(options: Omit<EngineOptions, 'log'> & { log?: Logger }): Promise<RunningEngine> {
  const engine = new Engine({
    log: createLogger({ level: 'silent' }),
    broker: { heartbeatSeconds: 5, connectTimeoutMs: 2000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } },
    ...options,
  });
  await engine.start();
  return {
    engine,
    port(channelId) {
      const address = engine.channel(channelId)?.address();
      if (!address) throw new Error(`channel ${channelId} is not listening`);
      return address.port;
    },
    async stop() {
      await engine.stop();
      for (const runtime of engine.channels) {
        const t = runtime.topology;
        await deleteChannelTopology(options.amqpUrl, {
          channelId: t.channelId,
          partitions: t.partitions,
          queueType: t.queueType,
          destinations: t.destinations.map((d) => ({ name: d.name, retryLevels: d.retry.map((r) => r.delay) })),
        });
      }
    },
  };
}

/** Sends one message and returns the ACK text (CR-separated segments). */
export async function sendOne(port: number, message: string | Buffer, timeoutMs = 10_000): Promise<string> {
  const client = new MllpClient({ host: '127.0.0.1', port });
  try {
    const reply = await client.send(typeof message === 'string' ? Buffer.from(message, 'utf8') : message, { timeoutMs });
    return reply.toString('utf8');
  } finally {
    await client.close();
  }
}

/** polls `check` until it holds, or fails after `timeoutMs` */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An ADT^A01 with a chosen control id and patient id (CR terminators). */
export function adt(controlId: string, mrn = 'MRN001', extra = ''): string {
  return [
    `MSH|^~\\&|HIS|BV-CHO-RAY|MEDIBUS|BV-CHO-RAY|20240305143000+0700||ADT^A01^ADT_A01|${controlId}|P|2.5.1`,
    'EVN|A01|20240305143000+0700',
    `PID|1||${mrn}^^^BV-CHO-RAY^MR||Nguyễn^Thị Ánh^^^Bà||19800102|F|||12 Lý Thường Kiệt^^Hồ Chí Minh^^700000^VNM`,
    'PV1|1|I|KHOA-NOI^P101^G1||||1234^Trần^Văn Bình',
    extra,
  ]
    .filter((s) => s !== '')
    .join('\r');
}
