import type { SourceSpec, Source, SourceContext } from './types.js';

/** `source:` keys of an MLLP channel, after defaults and unit parsing. */
export interface MllpSourceConfig {
  readonly host: string;
  readonly port: number;
  /** bytes */
  readonly maxFrameSize: number;
  /** ms without a byte before an idle connection is closed; 0 = never */
  readonly idleTimeout: number;
  /** ms to wait for the broker's confirm before answering AE */
  readonly ackTimeout: number;
  readonly maxConnections: number;
  /** decoder when MSH-18 is empty */
  readonly charset: string;
}

export const mllpSource: SourceSpec<MllpSourceConfig> = {
  type: 'mllp',
  description: 'Listens for HL7 v2 messages over MLLP (TCP, 0x0B … 0x1C 0x0D framing) and answers each with an HL7 ACK once the message is durably queued.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['port'],
    properties: {
      host: { type: 'string', description: 'Interface to bind. 127.0.0.1 accepts only local senders; 0.0.0.0 accepts any.', default: '127.0.0.1', examples: ['0.0.0.0'] },
      port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port to listen on (0 picks a free port, for tests).', examples: [2575] },
      maxFrameSize: { $ref: '#/$defs/size', description: 'Largest message accepted; a larger frame is answered with AR and the connection stays open.', default: '16MiB' },
      idleTimeout: { $ref: '#/$defs/duration', description: 'Close a connection after this long without data (0 = never).', default: '5m' },
      ackTimeout: { $ref: '#/$defs/duration', description: 'How long to wait for the broker to confirm a message before answering AE.', default: '5s' },
      maxConnections: { type: 'integer', minimum: 1, description: 'Concurrent connections accepted; further ones are closed at once.', default: 256 },
      charset: { type: 'string', description: 'Character set used when MSH-18 is empty (UTF-8, ISO-8859-1, windows-1258 …).', default: 'UTF-8', examples: ['windows-1258'] },
    },
  },
  create(_config: MllpSourceConfig, _context: SourceContext): Source {
    throw new Error('MLLP source: being built (see src/mllp/)');
  },
};
