import { afterEach, describe, expect, it } from 'vitest';
import { MllpClient } from '../../src/mllp/client.js';
import { encodeFrame } from '../../src/mllp/framing.js';
import { MllpServer, type MllpHandler, type MllpServerOptions } from '../../src/mllp/server.js';
import { captureLog, message, rawConnection, text, waitFor, type LogEntry } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** the server's contract, not a stand-in for medibus: the reply names the frame it answers */
const echo = (delayMs = 0): MllpHandler => ({
  async onFrame(payload) {
    if (delayMs > 0) await sleep(delayMs);
    return Buffer.concat([Buffer.from('ACK|'), payload]);
  },
  onOversize: (head, size) => Buffer.from(`TOO-LARGE|${size}|${text(head.subarray(0, 8))}`),
});

let servers: MllpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function start(handler: MllpHandler, options: Partial<MllpServerOptions> = {}): Promise<{ server: MllpServer; port: number; entries: LogEntry[] }> {
  const { log, entries } = captureLog();
  const server = new MllpServer({ host: '127.0.0.1', port: 0, maxFrameSize: 1 << 20, idleTimeout: 0, maxConnections: 100, log, ...options }, handler);
  await server.start();
  servers.push(server);
  return { server, port: server.address()!.port, entries };
}

describe('MllpServer', () => {
  it('binds the host it is given and reports the chosen port', async () => {
    const { server, port } = await start(echo());
    expect(server.address()).toEqual({ host: '127.0.0.1', port });
    expect(port).toBeGreaterThan(0);
  });

  it('answers 20 concurrent connections × 50 messages, each ACK matching its message', async () => {
    const { port } = await start({ ...echo(), onFrame: async (p) => (await sleep(Math.random() * 2), Buffer.concat([Buffer.from('ACK|'), p])) });
    const clients = Array.from({ length: 20 }, () => new MllpClient({ host: '127.0.0.1', port }));
    const mismatches = await Promise.all(
      clients.map(async (client, c) => {
        let wrong = 0;
        for (let m = 0; m < 50; m++) {
          const msg = message(`C${c}M${m}`);
          const reply = await client.send(msg, { timeoutMs: 5000 });
          if (text(reply) !== `ACK|${text(msg)}`) wrong++;
        }
        await client.close();
        return wrong;
      }),
    );
    expect(mismatches).toEqual(Array(20).fill(0));
  });

  it('decodes a frame written one byte at a time', async () => {
    const { port } = await start(echo());
    const conn = await rawConnection(port);
    for (const byte of encodeFrame(message('BYTES'))) {
      conn.socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await conn.waitFrames(1)).map(text)).toEqual([`ACK|${text(message('BYTES'))}`]);
  });

  it('handles pipelined frames from one write in order, one at a time', async () => {
    const order: string[] = [];
    const { port } = await start({
      ...echo(),
      async onFrame(payload) {
        order.push(`start ${text(payload)}`);
        await sleep(text(payload) === 'A' ? 50 : 1);
        order.push(`end ${text(payload)}`);
        return payload;
      },
    });
    const conn = await rawConnection(port);
    conn.socket.write(Buffer.concat(['A', 'B', 'C'].map((t) => encodeFrame(Buffer.from(t)))));
    expect((await conn.waitFrames(3)).map(text)).toEqual(['A', 'B', 'C']);
    expect(order).toEqual(['start A', 'end A', 'start B', 'end B', 'start C', 'end C']);
  });

  it('answers 500 frames pipelined in one write, in order (reading pauses while they queue)', async () => {
    const { port } = await start(echo());
    const conn = await rawConnection(port);
    const tags = Array.from({ length: 500 }, (_, i) => `P${i}`);
    conn.socket.write(Buffer.concat(tags.map((t) => encodeFrame(Buffer.from(t)))));
    expect((await conn.waitFrames(500)).map(text)).toEqual(tags.map((t) => `ACK|${t}`));
  });

  it('discards bytes between frames with a warning and goes on', async () => {
    const { port, entries } = await start(echo());
    const conn = await rawConnection(port);
    conn.socket.write(Buffer.concat([encodeFrame(Buffer.from('one')), Buffer.from('\r\nnoise'), encodeFrame(Buffer.from('two'))]));
    expect((await conn.waitFrames(2)).map(text)).toEqual(['ACK|one', 'ACK|two']);
    const warning = entries.find((e) => e.msg === 'MLLP bytes discarded');
    expect(warning).toMatchObject({ level: 'warn', bytes: 7, reason: 'outside-frame' });
  });

  it('answers an oversized frame from its head and then processes a normal one on the same connection', async () => {
    const { port, entries } = await start(echo(), { maxFrameSize: 1000 });
    const conn = await rawConnection(port);
    const big = Buffer.alloc(200_000, 0x41);
    big.write('MSH|BIG|', 0);
    conn.socket.write(Buffer.concat([encodeFrame(big), encodeFrame(Buffer.from('small'))]));
    expect((await conn.waitFrames(2)).map(text)).toEqual(['TOO-LARGE|200000|MSH|BIG|', 'ACK|small']);
    expect(conn.isClosed()).toBe(false);
    expect(entries.find((e) => e.msg.startsWith('MLLP frame too large'))).toMatchObject({ level: 'warn', size: 200_000, maxFrameSize: 1000 });
  });

  it('sends nothing when the handler answers undefined, and answers the next frame', async () => {
    const { port } = await start({ ...echo(), onFrame: async (p) => (text(p) === 'quiet' ? undefined : p) });
    const conn = await rawConnection(port);
    conn.socket.write(Buffer.concat([encodeFrame(Buffer.from('quiet')), encodeFrame(Buffer.from('loud'))]));
    expect((await conn.waitFrames(1)).map(text)).toEqual(['loud']);
    await sleep(50);
    expect(conn.frames).toHaveLength(1);
  });

  it('still answers a sender that half-closed after its last frame', async () => {
    const { port } = await start(echo(20));
    const conn = await rawConnection(port);
    conn.socket.end(encodeFrame(Buffer.from('last')));
    expect((await conn.waitFrames(1)).map(text)).toEqual(['ACK|last']);
    await conn.closed;
  });

  it('closes a connection idle longer than idleTimeout, but not one waiting for its ACK', async () => {
    const { port, entries } = await start(echo(300), { idleTimeout: 100 });
    const idle = await rawConnection(port);
    const waiting = await rawConnection(port);
    waiting.socket.write(encodeFrame(Buffer.from('slow')));
    await idle.closed;
    expect(entries.some((e) => e.msg === 'MLLP connection idle, closing')).toBe(true);
    expect((await waiting.waitFrames(1)).map(text)).toEqual(['ACK|slow']);
    await waiting.closed;
  });

  it('refuses connections past maxConnections with a warning', async () => {
    const { server, port, entries } = await start(echo(), { maxConnections: 2 });
    const a = await rawConnection(port);
    const b = await rawConnection(port);
    await waitFor(() => server.connectionCount === 2);
    const c = await rawConnection(port);
    await c.closed;
    expect(entries.some((e) => e.msg.startsWith('MLLP connection refused'))).toBe(true);
    a.socket.write(encodeFrame(Buffer.from('a')));
    b.socket.write(encodeFrame(Buffer.from('b')));
    expect((await a.waitFrames(1)).map(text)).toEqual(['ACK|a']);
    expect((await b.waitFrames(1)).map(text)).toEqual(['ACK|b']);
  });

  it('closes the connection and logs when a handler throws; the server keeps serving', async () => {
    const { port, entries } = await start({
      ...echo(),
      async onFrame(p) {
        if (text(p) === 'boom') throw new Error('handler bug');
        return p;
      },
    });
    const bad = await rawConnection(port);
    bad.socket.write(Buffer.concat([encodeFrame(Buffer.from('boom')), encodeFrame(Buffer.from('after'))]));
    await bad.closed;
    expect(bad.frames).toHaveLength(0);
    expect(entries.find((e) => e.msg.startsWith('MLLP handler failed'))).toMatchObject({ level: 'error' });
    const good = await rawConnection(port);
    good.socket.write(encodeFrame(Buffer.from('fine')));
    expect((await good.waitFrames(1)).map(text)).toEqual(['fine']);
  });

  it('stop() lets an in-flight handler finish and its ACK arrive, then refuses connections', async () => {
    const { server, port } = await start(echo(300));
    const conn = await rawConnection(port);
    const idle = await rawConnection(port);
    conn.socket.write(encodeFrame(Buffer.from('in-flight')));
    await sleep(50);
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(conn.frames.map(text)).toEqual(['ACK|in-flight']);
    await Promise.all([conn.closed, idle.closed]);
    await expect(rawConnection(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stop() cuts handlers that outlive drainTimeout', async () => {
    const { server, port, entries } = await start({ ...echo(), onFrame: () => new Promise<undefined>(() => undefined) }, { drainTimeout: 100 });
    const conn = await rawConnection(port);
    conn.socket.write(encodeFrame(Buffer.from('stuck')));
    await waitFor(() => server.connectionCount === 1);
    await sleep(20);
    await server.stop();
    await conn.closed;
    expect(entries.some((e) => e.msg.startsWith('MLLP handlers still busy at stop'))).toBe(true);
  });

  it('never logs payload bytes', async () => {
    const { port, entries } = await start(echo(), { maxFrameSize: 100 });
    const conn = await rawConnection(port);
    conn.socket.write(Buffer.concat([Buffer.from('SECRET-GARBAGE'), encodeFrame(Buffer.alloc(500, 0x53)), encodeFrame(message('SECRET-ID'))]));
    await conn.waitFrames(2);
    conn.socket.destroy();
    await waitFor(() => entries.some((e) => e.msg === 'MLLP connection closed'));
    const all = JSON.stringify(entries);
    expect(all).not.toMatch(/SECRET|SSSS/);
  });
});
