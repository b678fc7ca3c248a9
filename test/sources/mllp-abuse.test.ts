/**
 * The MLLP listener under abuse (issue 12, part 2), on the real engine and broker: a
 * well-behaved sender's messages are durably queued and ACKed while other peers trickle
 * bytes, flood the listener with connections, send oversized frames or garbage. Loops and
 * waits are bounded; nothing asserts a duration.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MllpClient } from '../../src/mllp/client.js';
import { encodeFrame, SB } from '../../src/mllp/framing.js';
import { brokerUrl } from '../support/broker.js';
import { adt, captureLog, startEngine, testChannel, waitFor, type LogEntry, type RunningEngine } from '../support/engine.js';
import { rawConnection, text } from '../mllp/support.js';

/** MSA-1 and MSA-2 of an ACK */
function msa(ack: string): { code: string; controlId: string } {
  const segment = ack.split('\r').find((s) => s.startsWith('MSA|')) ?? '';
  const [, code = '', controlId = ''] = segment.split('|');
  return { code, controlId };
}

interface Peer {
  readonly socket: Socket;
  closed: boolean;
  /** bytes the listener sent back (a trickler must get none) */
  received: number;
}

async function openPeer(port: number): Promise<Peer> {
  const socket = connect({ host: '127.0.0.1', port });
  const peer: Peer = { socket, closed: false, received: 0 };
  socket.on('data', (chunk: Buffer) => (peer.received += chunk.length));
  socket.on('error', () => undefined);
  socket.once('close', () => (peer.closed = true));
  await new Promise<void>((resolve) => {
    socket.once('connect', () => resolve());
    socket.once('close', () => resolve());
  });
  return peer;
}

/** opens `count` connections, `batch` at a time (the accept backlog is finite) */
async function openPeers(port: number, count: number, batch = 100): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (let i = 0; i < count; i += batch) peers.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => openPeer(port)))));
  return peers;
}

let amqpUrl: string;
beforeAll(async () => {
  amqpUrl = await brokerUrl();
});

async function engineWith(source: Record<string, unknown>): Promise<{ running: RunningEngine; port: number; entries: LogEntry[] }> {
  const { log, entries } = captureLog();
  const channel = testChannel({ source });
  const running = await startEngine({ channels: [channel], amqpUrl, log });
  return { running, port: running.port(channel.config.id), entries };
}

describe('MLLP listener under abuse', () => {
  describe('1,000 connections trickling a byte a second', () => {
    let env: Awaited<ReturnType<typeof engineWith>>;
    beforeAll(async () => {
      env = await engineWith({ frameTimeout: 4000, idleTimeout: 4000, maxConnections: 1100 });
    });
    afterAll(async () => env.running.stop());

    it('are closed by the frame timeout (inside a frame) or the idle timeout (garbage only) while a good sender gets its ACKs', async () => {
      const { port, entries } = env;
      const peers = await openPeers(port, 1000);
      const inFrame = peers.slice(0, 500);
      const garbage = peers.slice(500);
      expect(peers.filter((p) => p.closed)).toHaveLength(0);
      // a frame started and never finished, and bytes outside any frame, one a second
      const body = adt('SLOW', 'MRN-SLOW');
      for (const p of inFrame) p.socket.write(Buffer.from([SB]));
      let tick = 0;
      const trickle = setInterval(() => {
        for (const p of inFrame) if (!p.closed) p.socket.write(Buffer.from(body[tick % body.length]!, 'latin1'));
        for (const p of garbage) if (!p.closed) p.socket.write('\n');
        tick += 1;
      }, 1000);
      const good = new MllpClient({ host: '127.0.0.1', port });
      const acked: Array<{ code: string; controlId: string }> = [];
      let ackedUnderAbuse = 0;
      try {
        // the good sender works until every trickler is gone (bounded: 400 messages)
        for (let i = 0; i < 400 && peers.some((p) => !p.closed); i += 1) {
          const open = peers.filter((p) => !p.closed).length;
          const reply = await good.send(Buffer.from(adt(`GOOD-${i}`, `MRN-${i % 7}`), 'utf8'), { timeoutMs: 10_000 });
          acked.push(msa(reply.toString('utf8')));
          if (open >= 900) ackedUnderAbuse += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await waitFor(() => peers.every((p) => p.closed), 30_000, 'every trickler closed by the listener');
        // still serving after the abuse
        acked.push(msa((await good.send(Buffer.from(adt('GOOD-AFTER'), 'utf8'), { timeoutMs: 10_000 })).toString('utf8')));
      } finally {
        clearInterval(trickle);
        await good.close();
        for (const p of peers) p.socket.destroy();
      }
      expect(ackedUnderAbuse).toBeGreaterThan(0);
      expect(acked.every((a, i) => a.code === 'AA' && a.controlId === (i === acked.length - 1 ? 'GOOD-AFTER' : `GOOD-${i}`))).toBe(true);
      expect(peers.reduce((n, p) => n + p.received, 0)).toBe(0);
      expect(entries.filter((e) => e.msg === 'MLLP frame not completed within frameTimeout, closing')).toHaveLength(500);
      expect(entries.filter((e) => e.msg === 'MLLP connection idle, closing').length).toBeGreaterThanOrEqual(500);
      // no patient data in what the abuse logged (the trickled frame held a name)
      expect(JSON.stringify(entries)).not.toContain('Nguyễn');
    }, 120_000);
  });

  describe('a connection flood past maxConnections', () => {
    let env: Awaited<ReturnType<typeof engineWith>>;
    beforeAll(async () => {
      env = await engineWith({ maxConnections: 32 });
    });
    afterAll(async () => env.running.stop());

    it('is refused on accept, logged as a count, and the listener keeps serving', async () => {
      const { port, entries } = env;
      const good = new MllpClient({ host: '127.0.0.1', port });
      try {
        expect(msa((await good.send(Buffer.from(adt('FLOOD-0'), 'utf8'), { timeoutMs: 10_000 })).toString('utf8')).code).toBe('AA');
        const flood = await openPeers(port, 500);
        // exactly the connections left under the limit stay (the good sender holds one)
        await waitFor(() => flood.filter((p) => p.closed).length >= 500 - 31, 15_000, 'the refused connections closed');
        for (let i = 1; i <= 20; i += 1) {
          const reply = msa((await good.send(Buffer.from(adt(`FLOOD-${i}`), 'utf8'), { timeoutMs: 10_000 })).toString('utf8'));
          expect(reply).toEqual({ code: 'AA', controlId: `FLOOD-${i}` });
        }
        expect(flood.filter((p) => !p.closed)).toHaveLength(31);
        const refusals = entries.filter((e) => e.msg === 'MLLP connection refused: too many connections');
        // one line for the flood (the rest counted), not one per connection
        expect(refusals.length).toBeGreaterThanOrEqual(1);
        expect(refusals.length).toBeLessThan(5);
        for (const p of flood) p.socket.destroy();
        await waitFor(() => flood.every((p) => p.closed), 5000, 'flood closed');
        // a new sender connects once the flood is gone
        const next = new MllpClient({ host: '127.0.0.1', port });
        try {
          expect(msa((await next.send(Buffer.from(adt('AFTER-FLOOD'), 'utf8'), { timeoutMs: 10_000 })).toString('utf8'))).toEqual({ code: 'AA', controlId: 'AFTER-FLOOD' });
        } finally {
          await next.close();
        }
      } finally {
        await good.close();
      }
    }, 60_000);
  });

  describe('oversized frames and garbage', () => {
    let env: Awaited<ReturnType<typeof engineWith>>;
    beforeAll(async () => {
      env = await engineWith({ maxFrameSize: 64 * 1024 });
    });
    afterAll(async () => env.running.stop());

    it('a stream of oversized frames gets one AR each, addressed from its head, and the connection serves on', async () => {
      const conn = await rawConnection(env.port);
      const filler = `OBX|1|TX|NOTE||${'x'.repeat(200 * 1024)}`;
      const expected: Array<{ code: string; controlId: string }> = [];
      for (let i = 0; i < 60; i += 1) {
        const big = i % 10 !== 9;
        const id = big ? `BIG-${i}` : `OK-${i}`;
        conn.socket.write(encodeFrame(Buffer.from(big ? adt(id, 'MRN-BIG', filler) : adt(id), 'utf8')));
        expected.push({ code: big ? 'AR' : 'AA', controlId: id });
      }
      const replies = (await conn.waitFrames(60, 60_000)).map((f) => msa(f.toString('utf8')));
      expect(replies).toEqual(expected);
      expect(conn.isClosed()).toBe(false);
      conn.socket.destroy();
    }, 90_000);

    it('garbage between frames is skipped and the next frame ACKed', async () => {
      const conn = await rawConnection(env.port);
      const junk = [
        Buffer.from('\r\n\n'),
        Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
        Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 37 + 1) % 256).filter((b) => b !== SB)),
        // a start byte with no trailer, abandoned when the next block starts
        Buffer.from([SB, 0x41, 0x42, 0x1c, 0x41]),
      ];
      const expected: string[] = [];
      for (let i = 0; i < 12; i += 1) {
        conn.socket.write(junk[i % junk.length]!);
        conn.socket.write(encodeFrame(Buffer.from(adt(`G-${i}`), 'utf8')));
        expected.push(`AA G-${i}`);
      }
      const replies = (await conn.waitFrames(12, 30_000)).map((f) => msa(text(f))).map((a) => `${a.code} ${a.controlId}`);
      expect(replies).toEqual(expected);
      expect(env.entries.some((e) => e.msg === 'MLLP bytes discarded')).toBe(true);
      conn.socket.destroy();
    }, 60_000);
  });
});
