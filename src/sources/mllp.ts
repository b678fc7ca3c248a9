import { MedibusError } from '../errors.js';
import { MllpServer, type MllpConnectionInfo } from '../mllp/server.js';
import { TLS_REF, type TlsConfig } from '../tls/index.js';
import type { IngestResult, SourceSpec, Source, SourceContext, ReceivedMeta } from './types.js';

/** `source:` keys of an MLLP channel, after defaults and unit parsing. */
export interface MllpSourceConfig {
  readonly host: string;
  readonly port: number;
  /** bytes */
  readonly maxFrameSize: number;
  /** ms without a message in progress before a connection is closed; 0 = never */
  readonly idleTimeout: number;
  /** ms a frame may take from its start byte to its trailer; 0 = never */
  readonly frameTimeout: number;
  /** ms to wait for the broker's confirm before answering AE */
  readonly ackTimeout: number;
  readonly maxConnections: number;
  /** decoder when MSH-18 is empty */
  readonly charset: string;
  /** MLLP over TLS; absent = plain TCP */
  readonly tls?: TlsConfig;
}

export const mllpSource: SourceSpec<MllpSourceConfig> = {
  type: 'mllp',
  kind: 'hl7v2',
  description: 'Listens for HL7 v2 messages over MLLP (TCP, 0x0B … 0x1C 0x0D framing) and answers each with an HL7 ACK once the message is durably queued.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['port'],
    properties: {
      host: { type: 'string', description: 'Interface to bind. 127.0.0.1 accepts only local senders; 0.0.0.0 accepts any.', default: '127.0.0.1', examples: ['0.0.0.0'] },
      port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port to listen on (0 picks a free port, for tests).', examples: [2575] },
      maxFrameSize: { $ref: '#/$defs/size', description: 'Largest message accepted. A larger frame is not buffered: it is answered with AR (addressed from its first 4 KiB) and the connection stays open.', default: '16MiB' },
      idleTimeout: {
        $ref: '#/$defs/duration',
        description: 'Close a connection after this long without a message (0 = never). A connection waiting for its ACK, or receiving a frame, is not idle; bytes outside frames (garbage) do not count as traffic.',
        default: '5m',
      },
      frameTimeout: {
        $ref: '#/$defs/duration',
        description:
          'A frame must be complete (trailer received) within this long of its start byte, or the connection is closed and the partial frame dropped (0 = never). Stops senders trickling bytes to hold connections open (slowloris); frames completed before are still answered.',
        default: '30s',
      },
      ackTimeout: { $ref: '#/$defs/duration', description: 'How long to wait for the broker to confirm a message before answering AE.', default: '5s' },
      maxConnections: {
        type: 'integer',
        minimum: 1,
        description: 'Concurrent connections accepted (TLS handshakes in progress included); further ones are closed on accept, before any byte is read, so the sender retries. Refusals are logged once, then counted in one line per 10 s.',
        default: 256,
      },
      charset: { type: 'string', description: 'Character set used when MSH-18 is empty (UTF-8, ISO-8859-1, windows-1258 …).', default: 'UTF-8', examples: ['windows-1258'] },
      tls: {
        $ref: TLS_REF,
        description:
          'MLLP over TLS: cert and key are the listener\'s; with ca and requestCert: true only senders with a certificate signed by ca (and, with allowedSubjects, one of those subjects) get through. ' +
          'A refused sender is logged (subject and address only) and counted; its bytes are never read.',
        examples: [{ cert: '${MEDIBUS_TLS_DIR}/server.crt', key: '${MEDIBUS_TLS_DIR}/server.key', ca: '${MEDIBUS_TLS_DIR}/hospital-ca.crt', requestCert: true, allowedSubjects: ['CN=lis-01.hospital.local'] }],
      },
    },
  },
  create(config: MllpSourceConfig, context: SourceContext): Source {
    return createMllpSource(config, context);
  },
};

/** An empty ACK means "answer nothing" (enhanced mode with MSH-15 = NE, HL7 v2.5.1 §2.9.3). */
function reply(result: IngestResult): Buffer | undefined {
  return result.ack.length === 0 ? undefined : result.ack;
}

function meta(conn: MllpConnectionInfo, receivedAt: Date): ReceivedMeta {
  return { remote: conn.remote, receivedAt };
}

/**
 * Wires the transport to the pipeline. Parsing, the ack timeout and the channel charset are
 * the intake's business (SourceContext); the listener only frames, orders and answers.
 */
function createMllpSource(config: MllpSourceConfig, context: SourceContext): Source {
  const server = new MllpServer(
    {
      host: config.host,
      port: config.port,
      maxFrameSize: config.maxFrameSize,
      idleTimeout: config.idleTimeout,
      frameTimeout: config.frameTimeout,
      maxConnections: config.maxConnections,
      log: context.log.child({ source: 'mllp' }),
      name: `channel ${context.channelId} source`,
      ...(config.tls === undefined ? {} : { tls: config.tls }),
    },
    {
      onFrame: async (payload, conn, receivedAt) => reply(await context.ingestHl7(payload, meta(conn, receivedAt))),
      onOversize: (head, size, conn, receivedAt) => {
        const error = new MedibusError(
          'MEDIBUS_ERR_MLLP_FRAME_TOO_LARGE',
          `MLLP frame of ${size} bytes exceeds source.maxFrameSize (${config.maxFrameSize} bytes)`,
        );
        return reply(context.rejectHl7(head, error, meta(conn, receivedAt)));
      },
    },
  );
  return {
    start: () => server.start(),
    stop: () => server.stop(),
    address: () => server.address(),
  };
}
