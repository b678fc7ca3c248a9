import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MedibusError } from '../../src/errors.js';
import { MllpClient } from '../../src/mllp/client.js';
import { encodeFrame, MllpDecoder } from '../../src/mllp/framing.js';
import { MllpServer, type MllpHandler } from '../../src/mllp/server.js';
import { silentLogger } from '../../src/log.js';
import { text, waitFor } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

async function mllpServer(handler: MllpHandler, idleTimeout = 0): Promise<number> {
  const server = new MllpServer({ host: '127.0.0.1', port: 0, maxFrameSize: 1 << 20, idleTimeout, maxConnections: 10, drainTimeout: 200, log: silentLogger }, handler);
  await server.start();
  cleanup.push(() => server.stop());
  return server.address()!.port;
}

/** a hand-written peer, for behaviours an MllpServer never shows (stray replies, silence) */
async function rawServer(onFrame: (payload: Buffer, socket: Socket) => void): Promise<{ port: number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new MllpDecoder({ maxFrameSize: 1 << 20 });
    socket.on('data', (chunk: Buffer) => {
      for (const e of decoder.push(chunk)) if (e.kind === 'frame') onFrame(e.payload, socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

function client(port: number): MllpClient {
  const c = new MllpClient({ host: '127.0.0.1', port, connectTimeoutMs: 2000 });
  cleanup.push(() => c.close());
  return c;
}

const echo: MllpHandler = { onFrame: async (p) => Buffer.concat([Buffer.from('ACK|'), p]), onOversize: () => undefined };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof MedibusError ? error.code : `not a MedibusError: ${String(error)}`;
}

describe('MllpClient', () => {
  it('sends and resolves with the reply payload', async () => {
    const c = client(await mllpServer(echo));
    expect(text(await c.send(Buffer.from('hello'), { timeoutMs: 2000 }))).toBe('ACK|hello');
  });

  it('queues concurrent sends: one outstanding at a time, replies matched in order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const c = client(
      await mllpServer({
        ...echo,
        async onFrame(p) {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await sleep(2);
          inFlight--;
          return p;
        },
      }),
    );
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => c.send(Buffer.from(`m${i}`), { timeoutMs: 2000 })));
    expect(replies.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(maxInFlight).toBe(1);
  });

  it('times out with MLLP_TIMEOUT, drops the connection, and does not take the late reply for the next message', async () => {
    const c = client(await mllpServer({ ...echo, onFrame: async (p) => (text(p) === 'slow' ? (await sleep(300), p) : p) }));
    expect(await codeOf(c.send(Buffer.from('slow'), { timeoutMs: 100 }))).toBe('MEDIBUS_ERR_MLLP_TIMEOUT');
    expect(c.connected).toBe(false);
    expect(text(await c.send(Buffer.from('next'), { timeoutMs: 2000 }))).toBe('next');
  });

  it('rejects with MLLP_CONNECTION when the connection is refused', async () => {
    const { port, server } = await rawServer(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const c = client(port);
    expect(await codeOf(c.send(Buffer.from('x'), { timeoutMs: 1000 }))).toBe('MEDIBUS_ERR_MLLP_CONNECTION');
    expect(await codeOf(c.connect())).toBe('MEDIBUS_ERR_MLLP_CONNECTION');
  });

  it('reconnects on the next send after the server closed the connection', async () => {
    let connections = 0;
    const { port } = await rawServer((payload, socket) => {
      socket.end(encodeFrame(Buffer.from(`reply ${text(payload)}`)));
    });
    const c = client(port);
    for (const m of ['one', 'two', 'three']) {
      expect(text(await c.send(Buffer.from(m), { timeoutMs: 2000 }))).toBe(`reply ${m}`);
      connections++;
      await waitFor(() => !c.connected, 2000, 'the client to see the close');
    }
    expect(connections).toBe(3);
  });

  it('reconnects after an idle-timeout close by an MllpServer', async () => {
    const c = client(await mllpServer(echo, 50));
    await c.send(Buffer.from('a'), { timeoutMs: 2000 });
    await waitFor(() => !c.connected, 2000, 'the idle close');
    expect(text(await c.send(Buffer.from('b'), { timeoutMs: 2000 }))).toBe('ACK|b');
  });

  it('rejects a waiting send with MLLP_CONNECTION when the peer drops without answering', async () => {
    const { port } = await rawServer((_payload, socket) => socket.destroy());
    const c = client(port);
    expect(await codeOf(c.send(Buffer.from('x'), { timeoutMs: 2000 }))).toBe('MEDIBUS_ERR_MLLP_CONNECTION');
  });

  it('skips replies that accept() refuses and counts them as stray', async () => {
    // Like a server seen answering message N with N ACKs: older replies come first.
    const seen: string[] = [];
    const { port } = await rawServer((payload, socket) => {
      seen.push(text(payload));
      socket.write(Buffer.concat(seen.map((s) => encodeFrame(Buffer.from(`ACK ${s}`)))));
    });
    const c = client(port);
    for (const m of ['m1', 'm2', 'm3']) {
      const reply = await c.send(Buffer.from(m), { timeoutMs: 2000, accept: (r) => text(r) === `ACK ${m}` });
      expect(text(reply)).toBe(`ACK ${m}`);
    }
    await sleep(20);
    expect(c.strayReplies).toBe(3);
  });

  it('close() rejects a waiting send and later sends', async () => {
    const c = client(await mllpServer({ ...echo, onFrame: () => new Promise<undefined>(() => undefined) }));
    const pending = c.send(Buffer.from('x'), { timeoutMs: 5000 });
    await waitFor(() => c.connected);
    await c.close();
    expect(await codeOf(pending)).toBe('MEDIBUS_ERR_MLLP_CONNECTION');
    expect(await codeOf(c.send(Buffer.from('y'), { timeoutMs: 100 }))).toBe('MEDIBUS_ERR_MLLP_CONNECTION');
  });
});
