/**
 * The mllp destination: forwards the original HL7 v2 message to a downstream receiver over
 * MLLP and waits for its acknowledgment (HL7 v2.5.1 §2.9, table 0008):
 *   AA / CA  delivered;
 *   AE / CE  the receiver could not process it now: retried (MEDIBUS_ERR_DELIVERY_TRANSIENT);
 *   AR / CR  the receiver refuses this message: dead-lettered (MEDIBUS_ERR_DELIVERY_REJECTED);
 *   an answer that is not an ACK, or acknowledges another MSH-10: MEDIBUS_ERR_MLLP_BAD_ACK
 *   (retried; the connection is dropped, so a late real ACK cannot answer the next message).
 * One connection, kept open between messages, one message outstanding at a time (MLLP
 * Release 2, HL7 v2.5.1 Appendix C); a failed connection is re-opened by the next delivery.
 */
import { isMedibusError, MedibusError, errorMessage } from '../errors.js';
import { encodeText, parseAck, parseMessage, type ParsedAck } from '../hl7/index.js';
import type { Logger } from '../log.js';
import { MllpClient } from '../mllp/client.js';
import { createTlsClient, TLS_REF, type TlsClient, type TlsConfig } from '../tls/index.js';
import { abortError, DeliveryError, untilAborted } from './delivery-error.js';
import { cut } from './http-errors.js';
import type { Destination, DestinationContext, DestinationSpec, OutboundMessage } from './types.js';

export interface MllpDestinationConfig {
  readonly host: string;
  readonly port: number;
  /** ms to wait for the ACK once the message is written */
  readonly timeout: number;
  /** ms to establish the TCP connection */
  readonly connectTimeout: number;
  /** bytes: the largest ACK accepted */
  readonly maxFrameSize: number;
  /** MLLP over TLS; absent = plain TCP */
  readonly tls?: TlsConfig;
}

export const mllpDestination: DestinationSpec<MllpDestinationConfig> = {
  type: 'mllp',
  description:
    'Forwards the original HL7 v2 message, in the character set it came in, to a downstream HL7 receiver over MLLP and waits for its ACK: ' +
    'AA/CA delivered, AE/CE retried, AR/CR dead-lettered with the receiver\'s ERR text.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['host', 'port'],
    properties: {
      host: { type: 'string', minLength: 1, description: 'Host name or address of the downstream HL7 receiver (no default, so that a forgotten key cannot send messages to the wrong machine).', examples: ['${LIS_MLLP_HOST}', '10.20.0.15'] },
      port: { type: 'integer', minimum: 1, maximum: 65535, description: 'TCP port of the downstream MLLP listener.', examples: [2575] },
      timeout: { $ref: '#/$defs/duration', description: 'How long to wait for the ACK once the message is sent; past it the connection is dropped and the message retried.', default: '30s' },
      connectTimeout: { $ref: '#/$defs/duration', description: 'How long to wait for the TCP connection to open.', default: '10s' },
      maxFrameSize: { $ref: '#/$defs/size', description: 'Largest ACK accepted from the receiver; a bigger answer counts as a bad ACK.', default: '1MiB' },
      tls: {
        $ref: TLS_REF,
        description: 'MLLP over TLS to the receiver: ca to trust its certificate (host name checked, and allowedSubjects if given), cert and key when it asks for a client certificate. A refused handshake is retried like a refused connection.',
        examples: [{ ca: '${MEDIBUS_TLS_DIR}/hospital-ca.crt', cert: '${MEDIBUS_TLS_DIR}/medibus.crt', key: '${MEDIBUS_TLS_DIR}/medibus.key' }],
      },
    },
  },
  create(config: MllpDestinationConfig, context: DestinationContext): Destination {
    return new MllpDestination(config, context);
  },
};

class MllpDestination implements Destination {
  readonly #config: MllpDestinationConfig;
  readonly #log: Logger;
  readonly #peer: string;
  #client: MllpClient | undefined;
  readonly #tls: TlsClient | undefined;
  /** deliveries run one after another; a delivery aborted while waiting is never sent */
  #tail: Promise<void> = Promise.resolve();

  constructor(config: MllpDestinationConfig, context: DestinationContext) {
    this.#config = config;
    this.#peer = `${config.host}:${config.port}`;
    this.#log = context.log.child({ destination: context.name, type: 'mllp', peer: this.#peer });
    this.#tls = config.tls === undefined ? undefined : createTlsClient(config.tls, { name: `channel ${context.channelId} destination ${context.name}`, log: this.#log });
  }

  async deliver(message: OutboundMessage, signal: AbortSignal): Promise<void> {
    if (message.hl7.trim() === '') throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', 'the message has no HL7 v2 text to forward');
    // Re-encoded in the sender's charset: MSH-18 still says what it said, so the bytes must match it.
    const payload = encodeText(message.hl7, message.charset);
    const previous = this.#tail;
    let done!: () => void;
    this.#tail = new Promise<void>((resolve) => (done = resolve));
    try {
      await untilAborted(previous, signal, this.#peer);
      if (signal.aborted) throw abortError(this.#peer);
      const reply = await untilAborted(this.#exchange(payload), signal, this.#peer, () => this.#drop());
      this.#judge(reply, message);
    } finally {
      // the next delivery starts once this one and every one before it have finished
      void previous.then(done);
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#tls?.close();
    await client?.close();
  }

  /**
   * Sends and waits for the reply. A receiver that closes idle connections may do so just as
   * we write on the kept-open one: the write then fails with MLLP_CONNECTION before it could
   * be answered, and one immediate resend on a new connection spares a retry with backoff.
   * (Should the receiver have processed it after all, the resend is a duplicate, which the
   * delivery guarantee, at least once, allows.)
   */
  async #exchange(payload: Buffer): Promise<Buffer> {
    const client = this.#connection();
    const reused = client.connected;
    try {
      return await client.send(payload, { timeoutMs: this.#config.timeout });
    } catch (error) {
      if (!reused || !isMedibusError(error) || error.code !== 'MEDIBUS_ERR_MLLP_CONNECTION' || this.#client !== client) throw error;
      this.#log.debug('kept-open connection was closed by the receiver; sending on a new one');
      return client.send(payload, { timeoutMs: this.#config.timeout });
    }
  }

  #connection(): MllpClient {
    this.#client ??= new MllpClient({
      host: this.#config.host,
      port: this.#config.port,
      connectTimeoutMs: this.#config.connectTimeout,
      maxFrameSize: this.#config.maxFrameSize,
      log: this.#log,
      ...(this.#tls === undefined ? {} : { tls: this.#tls.connectOptions }),
    });
    return this.#client;
  }

  /** forgets the connection (a reply may still be on its way for a message we gave up on) */
  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    void client?.close().catch(() => undefined);
  }

  #judge(reply: Buffer, message: OutboundMessage): void {
    let ack: ParsedAck;
    try {
      ack = parseAck(parseMessage(reply, { charset: message.charset }));
    } catch (error) {
      this.#drop();
      const why = errorMessage(error);
      throw new MedibusError('MEDIBUS_ERR_MLLP_BAD_ACK', `${this.#peer} answered with something that is not an HL7 ACK (${why})`, { cause: error });
    }
    if (ack.controlId !== message.controlId) {
      this.#drop();
      throw new MedibusError('MEDIBUS_ERR_MLLP_BAD_ACK', `${this.#peer} answered an ACK for MSH-10 "${ack.controlId}", not for the "${message.controlId}" sent (MSA-2 must echo it)`);
    }
    const said = ack.text === '' ? '' : `: ${cut(ack.text, 300)}`;
    switch (ack.code) {
      case 'AA':
      case 'CA':
        this.#log.debug({ messageId: message.messageId, ack: ack.code }, 'downstream acknowledged');
        return;
      case 'AE':
      case 'CE':
        throw new DeliveryError('MEDIBUS_ERR_DELIVERY_TRANSIENT', `${this.#peer} answered ${ack.code} (error, may be retried)${said}`);
      case 'AR':
      case 'CR':
        throw new DeliveryError('MEDIBUS_ERR_DELIVERY_REJECTED', `${this.#peer} answered ${ack.code} (rejected)${said}`);
      default:
        return ack.code satisfies never;
    }
  }
}
