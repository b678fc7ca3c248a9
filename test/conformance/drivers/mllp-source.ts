/**
 * Conformance driver for the mllp source: a real MllpClient sends an ADT^A01 and reads the
 * ACK; a negative ACK's ERR segment gives the MEDIBUS_ERR_* code (ERR-5) and the reason
 * (ERR-7 diagnostic, else ERR-8). After stop, the port must be bindable again.
 */
import { createServer } from 'node:net';
import { parseAck, parseMessage } from '../../../src/hl7/index.js';
import { MllpClient } from '../../../src/mllp/client.js';
import { headersOf } from '../../broker/helpers.js';
import { adt } from '../../support/engine.js';
import type { SourceAnswer, SourceClient, SourceDriver } from '../source.js';

function answerOf(reply: Buffer): SourceAnswer {
  const ack = parseAck(parseMessage(reply));
  const first = ack.errors[0];
  return {
    positive: ack.code === 'AA' || ack.code === 'CA',
    code: ack.code,
    error: first?.applicationCode ?? '',
    reason: first?.diagnostic ?? first?.userMessage ?? ack.text,
  };
}

function mllpClient(port: number): SourceClient {
  const client = new MllpClient({ host: '127.0.0.1', port, connectTimeoutMs: 2000 });
  return {
    send: async (input, timeoutMs) => answerOf(await client.send(input, { timeoutMs })),
    close: () => client.close(),
  };
}

/** true when a listener can take the port now */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

export const mllpSourceDriver: SourceDriver = {
  type: 'mllp',
  setup(limits) {
    let port: number | undefined;
    return {
      source: { type: 'mllp', host: '127.0.0.1', port: 0, maxFrameSize: limits.maxInputBytes, ackTimeout: `${limits.ackTimeoutMs}ms`, idleTimeout: 0 },
      async connect(runtime) {
        // kept from the first connect: a stopped source no longer reports its address
        port ??= runtime.address()?.port;
        if (port === undefined) throw new Error('the mllp source is not listening');
        return mllpClient(port);
      },
      released: async (address) => address !== undefined && (await canBind(address.port)),
      cleanup: () => undefined,
    };
  },
  input: (id) => Buffer.from(adt(id), 'utf8'),
  oversize: (id, maxInputBytes) => Buffer.from(adt(id, 'MRN001', `NTE|1||${'x'.repeat(maxInputBytes)}`), 'utf8'),
  ingressId: (message) => String(headersOf(message)['medibus-control-id']),
};
