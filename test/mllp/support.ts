/**
 * Helpers for the MLLP transport tests: a log that can be read back, a raw socket that
 * collects reply frames, and a wait with a deadline so no test loops for ever.
 */
import { connect, type Socket } from 'node:net';
import { createLogger, type Logger } from '../../src/log.js';
import { MllpDecoder } from '../../src/mllp/framing.js';

export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export function captureLog(): { log: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const log = createLogger({ level: 'debug', destination: { write: (line: string) => void entries.push(JSON.parse(line) as LogEntry) } });
  return { log, entries };
}

/** polls `check` until it holds, or fails after `timeoutMs` */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface RawConnection {
  readonly socket: Socket;
  /** reply payloads received so far, in order */
  readonly frames: Buffer[];
  readonly closed: Promise<void>;
  isClosed(): boolean;
  waitFrames(count: number, timeoutMs?: number): Promise<Buffer[]>;
}

/** a bare TCP connection that writes whatever the test gives it and decodes replies */
export async function rawConnection(port: number): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  const frames: Buffer[] = [];
  const decoder = new MllpDecoder({ maxFrameSize: 1 << 24 });
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    for (const event of decoder.push(chunk)) if (event.kind === 'frame') frames.push(event.payload);
  });
  socket.on('error', () => undefined);
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closed: closedPromise,
    isClosed: () => closed,
    async waitFrames(count, timeoutMs = 5000) {
      await waitFor(() => frames.length >= count, timeoutMs, `${count} reply frames (got ${frames.length})`);
      return frames.slice(0, count);
    },
  };
}

export const text = (buf: Buffer): string => buf.toString('latin1');

export function message(tag: string): Buffer {
  return Buffer.from(`MSH|^~\\&|SEND|FAC|RECV|FAC|20240101120000||ADT^A01|${tag}|P|2.5.1\rPID|1||${tag}^^^HOSP^MR\r`, 'latin1');
}
