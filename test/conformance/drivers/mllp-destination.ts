/**
 * Conformance driver for the mllp destination: a real MLLP listener (src/mllp/server.ts)
 * behind a TCP proxy, answering AA, or AE / AR when a case says so (HL7 v2.5.1 §2.9: AE
 * may be retried, AR not). A retry goes out with the same MSH-10, for the receiver to drop.
 */
import { buildAck, encodeText, parseMessage, type AckCode } from '../../../src/hl7/index.js';
import { silentLogger } from '../../../src/log.js';
import { MllpServer } from '../../../src/mllp/server.js';
import { outbound } from '../../destinations/support.js';
import type { DestinationDriver, Undo } from '../destination.js';
import { proxied } from './tcp-peer.js';

export const mllpDestinationDriver: DestinationDriver = {
  type: 'mllp',
  appliesOnce: false,
  async start() {
    let code: AckCode = 'AA';
    const accepted: string[] = [];
    const server = new MllpServer(
      { host: '127.0.0.1', port: 0, maxFrameSize: 1 << 20, idleTimeout: 0, maxConnections: 8, drainTimeout: 100, log: silentLogger },
      {
        onFrame: async (payload) => {
          const original = parseMessage(payload);
          if (code === 'AA') accepted.push(original.header.controlId);
          const errors = code === 'AA' ? [] : [{ code: '207', severity: 'E' as const, diagnostic: `answered ${code} by the conformance peer` }];
          return encodeText(buildAck(original, { code, controlId: `ACK-${accepted.length}`, errors }).toString(), original.charset ?? 'UTF-8');
        },
        onOversize: () => undefined,
      },
    );
    await server.start();
    const tcp = await proxied(server.address()!.port);
    const answer = (next: AckCode): Undo => {
      code = next;
      return () => void (code = 'AA');
    };
    return {
      config: { host: '127.0.0.1', port: tcp.port, timeout: '1500ms', connectTimeout: '1500ms' },
      held: (message) => accepted.filter((id) => id === message.controlId),
      openHandles: tcp.openHandles,
      transient: { 'receiver unreachable': tcp.unreachable, 'receiver answers AE': () => answer('AE'), 'receiver stops answering (past the timeout)': tcp.hold },
      permanent: { 'receiver answers AR': () => ({ message: outbound(), undo: answer('AR') }) },
      hold: tcp.hold,
      async stop() {
        await tcp.proxy.close();
        await server.stop();
      },
    };
  },
};
