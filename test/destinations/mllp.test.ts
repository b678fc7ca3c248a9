import { afterEach, describe, expect, it } from 'vitest';
import { mllpDestination } from '../../src/destinations/mllp.js';
import { buildAck, decodeText, encodeText, parseMessage, type AckCode } from '../../src/hl7/index.js';
import { silentLogger } from '../../src/log.js';
import { MllpServer, type MllpConnectionInfo } from '../../src/mllp/server.js';
import { CP1258_BYTES, cleanup, closedPort, createDestination, outbound, outcome, runCleanup, sleep } from './support.js';

afterEach(runCleanup);

const signal = (): AbortSignal => new AbortController().signal;

type Reply = AckCode | 'wrong-id' | 'garbage' | 'never';

interface Downstream {
  readonly port: number;
  readonly frames: Buffer[];
  readonly connections: Set<number>;
  server: MllpServer;
}

/** A real MLLP listener answering each frame as `reply` says (per frame index). */
async function downstream(reply: (index: number) => Reply, port = 0): Promise<Downstream> {
  const frames: Buffer[] = [];
  const connections = new Set<number>();
  const server = new MllpServer(
    { host: '127.0.0.1', port, maxFrameSize: 1 << 20, idleTimeout: 0, maxConnections: 8, drainTimeout: 100, log: silentLogger },
    {
      onFrame: async (payload: Buffer, conn: MllpConnectionInfo) => {
        const index = frames.push(payload) - 1;
        connections.add(conn.id);
        const how = reply(index);
        if (how === 'never') {
          await sleep(1500);
          return undefined;
        }
        if (how === 'garbage') return Buffer.from('HELLO, this is not HL7');
        const original = parseMessage(payload);
        const code: AckCode = how === 'wrong-id' ? 'AA' : how;
        const ack = buildAck(original, {
          code,
          controlId: `ACK-${index}`,
          ...(code === 'AE' || code === 'AR' || code === 'CR' ? { errors: [{ code: '207', severity: 'E', diagnostic: 'Kho dữ liệu đang bảo trì' }] } : {}),
        });
        let text = ack.toString();
        if (how === 'wrong-id') text = text.replace(/MSA\|AA\|[^|\r]*/, 'MSA|AA|SOMETHING-ELSE');
        return encodeText(text, original.charset ?? 'UTF-8');
      },
      onOversize: () => undefined,
    },
  );
  await server.start();
  cleanup.push(() => server.stop());
  return { port: server.address()?.port ?? 0, frames, connections, server };
}

describe('mllp destination', () => {
  it('forwards the message re-encoded in its charset (windows-1258) and resolves on AA', async () => {
    const peer = await downstream(() => 'AA');
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port });
    expect(await outcome(lis.deliver(outbound(), signal()))).toBe('delivered');
    const sent = peer.frames[0] ?? Buffer.alloc(0);
    // windows-1258 may write Á as one byte or as A + combining acute: the text is what must match
    expect(decodeText(sent, 'windows-1258')).toBe(decodeText(CP1258_BYTES, 'windows-1258'));
    expect(sent.includes(Buffer.from([0xea, 0xde]))).toBe(true); // ễ = ê + combining tilde, as Vietnamese systems write it
    expect(sent.includes(Buffer.from('ễ', 'utf8'))).toBe(false);
  });

  it('keeps one connection for successive and concurrent messages, in order', async () => {
    const peer = await downstream(() => 'CA');
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port });
    const ids = Array.from({ length: 6 }, (_, i) => `ID-${i}`);
    const results = await Promise.all(ids.map((id) => outcome(lis.deliver(outbound({ controlId: id, hl7: outbound().hl7.replace('VN-ADT-000731', id) }), signal()))));
    expect(results).toEqual(Array(6).fill('delivered'));
    expect(peer.frames.map((f) => parseMessage(f).header.controlId)).toEqual(ids);
    expect(peer.connections.size).toBe(1);
  });

  it('retries AE and dead-letters AR, quoting the ERR text', async () => {
    const peer = await downstream((i) => (i === 0 ? 'AE' : 'AR'));
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port });
    const where = `127.0.0.1:${peer.port}`;
    expect(await outcome(lis.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT',
      retryable: true,
      message: `${where} answered AE (error, may be retried): Kho dữ liệu đang bảo trì`,
    });
    expect(await outcome(lis.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_DELIVERY_REJECTED',
      retryable: false,
      message: `${where} answered AR (rejected): Kho dữ liệu đang bảo trì`,
    });
  });

  it('dead-letters CR (enhanced mode)', async () => {
    const peer = await downstream(() => 'CR');
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port });
    expect(await outcome(lis.deliver(outbound(), signal()))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false });
  });

  it('retries an ACK for another MSH-10 or an answer that is not HL7, on a fresh connection', async () => {
    const peer = await downstream((i) => (['wrong-id', 'garbage'] as const)[i] ?? 'AA');
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port });
    const where = `127.0.0.1:${peer.port}`;
    expect(await outcome(lis.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_MLLP_BAD_ACK',
      retryable: true,
      message: `${where} answered an ACK for MSH-10 "SOMETHING-ELSE", not for the "VN-ADT-000731" sent (MSA-2 must echo it)`,
    });
    expect(await outcome(lis.deliver(outbound(), signal()))).toMatchObject({
      code: 'MEDIBUS_ERR_MLLP_BAD_ACK',
      retryable: true,
      message: expect.stringContaining(`${where} answered with something that is not an HL7 ACK`),
    });
    expect(await outcome(lis.deliver(outbound(), signal()))).toBe('delivered');
    expect(peer.connections.size).toBe(3);
  });

  it('retries when no ACK comes within the timeout, or the receiver is not listening', async () => {
    const peer = await downstream(() => 'never');
    const slow = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port, timeout: '200ms' });
    expect(await outcome(slow.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_MLLP_TIMEOUT',
      retryable: true,
      message: `no reply from 127.0.0.1:${peer.port} within 200 ms`,
    });
    const port = await closedPort();
    const down = createDestination(mllpDestination, { host: '127.0.0.1', port });
    expect(await outcome(down.deliver(outbound(), signal()))).toEqual({
      code: 'MEDIBUS_ERR_MLLP_CONNECTION',
      retryable: true,
      message: `127.0.0.1:${port}: cannot connect (ECONNREFUSED)`,
    });
  });

  it('reconnects after the receiver restarts', async () => {
    const first = await downstream(() => 'AA');
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: first.port });
    await lis.deliver(outbound(), signal());
    await first.server.stop();
    const second = await downstream(() => 'AA', first.port);
    expect(await outcome(lis.deliver(outbound(), signal()))).toBe('delivered');
    expect(second.frames).toHaveLength(1);
  });

  it('stops waiting on abort, and the next message gets its own ACK', async () => {
    const peer = await downstream((i) => (i === 0 ? 'never' : 'AA'));
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const started = Date.now();
    expect(await outcome(lis.deliver(outbound(), abort.signal))).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT', message: expect.stringContaining('aborted') });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await outcome(lis.deliver(outbound({ controlId: 'NEXT', hl7: outbound().hl7.replace('VN-ADT-000731', 'NEXT') }), signal()))).toBe('delivered');
  });

  it('never sends a message whose delivery was aborted while it waited its turn', async () => {
    const peer = await downstream((i) => (i === 0 ? 'never' : 'AA'));
    const lis = createDestination(mllpDestination, { host: '127.0.0.1', port: peer.port, timeout: '300ms' });
    const waiting = new AbortController();
    const first = outcome(lis.deliver(outbound(), signal()));
    const second = outcome(lis.deliver(outbound({ controlId: 'SKIPPED' }), waiting.signal));
    waiting.abort();
    expect(await second).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_TRANSIENT' });
    expect(await first).toMatchObject({ code: 'MEDIBUS_ERR_MLLP_TIMEOUT' });
    await sleep(50);
    expect(peer.frames).toHaveLength(1);
  });
});
