/**
 * Intake: a received HL7 v2 payload → the channel's durable ingress → the ACK to send back.
 *
 * The one rule (docs/architecture.md, "ACK after confirm"): AA/CA only once RabbitMQ has
 * confirmed the persistent publish. Anything else — unparsable input, missing MSH fields,
 * broker down, nack, no confirm in time — gets a negative ACK that says where and why, and
 * the sender keeps the message. Intake never throws: every failure becomes an answer.
 */
import type { MedibusError, ErrorCode } from '../errors.js';
import {
  ackCode,
  buildAckText,
  checkRequired,
  encodeText,
  messageType,
  parseMessage,
  shouldSendAcceptAck,
  type AckError,
  type AckOutcome,
  type Hl7Message,
} from '../hl7/index.js';
import { hl7v2Kind } from '../kinds/hl7v2/index.js';
import type { IngestResult, ReceivedMeta } from '../sources/types.js';
import { uuidv7 } from '../util/ids.js';
import { errorToAckError } from './ack-errors.js';
import { ackControlId } from './control-id.js';
import { asMedibusError, publishIngress, type IntakeBase } from './ingress.js';

export interface IntakeOptions extends IntakeBase {
  /** decoder when MSH-18 is empty */
  readonly charset: string;
  /** ms to wait for the broker's confirm before answering AE */
  readonly ackTimeout: number;
  /**
   * What the channel's mapping can tell before the ACK: a segment it requires that the message
   * lacks (channel.ts). The sender gets AR with an ERR naming it and keeps the message, rather
   * than an AA for a message that can only fail later in the failed queue.
   */
  readonly check?: (msg: Hl7Message, messageType: string) => Promise<MedibusError | undefined>;
}

export interface Hl7Intake {
  ingestHl7(raw: Buffer, meta: ReceivedMeta): Promise<IngestResult>;
  rejectHl7(head: Buffer, error: MedibusError, meta: ReceivedMeta): IngestResult;
}

/** How a sender that gets no MSH-5/MSH-6 to echo sees medibus in the ACK's MSH-3/MSH-4. */
const ACK_SENDER = { application: 'MEDIBUS' } as const;

export function createHl7Intake(options: IntakeOptions): Hl7Intake {
  const keyPath = hl7v2Kind.compileKey(options.orderingKey);
  const { status, channelId } = options;
  const target = { channelId, topology: options.topology, publisher: options.publisher, timeoutMs: options.ackTimeout };
  const log = options.log;

  function answer(original: Hl7Message | undefined, outcome: AckOutcome, errors: readonly AckError[], text?: string): IngestResult {
    const code = ackCode(original, outcome);
    const accepted = outcome === 'accept';
    if (!shouldSendAcceptAck(original, accepted)) {
      // Enhanced mode with MSH-15 NE/ER/SU excluding this outcome: the sender asked for silence.
      return { accepted, ack: Buffer.alloc(0), ackCode: code };
    }
    const ack = buildAckText(original, { code, controlId: ackControlId(), errors, sender: ACK_SENDER, ...(text ? { text } : {}) });
    return { accepted, ack: encodeText(ack, original?.charset ?? 'UTF-8'), ackCode: code };
  }

  function refuse(original: Hl7Message | undefined, error: MedibusError | AckError[], meta: ReceivedMeta, outcome: AckOutcome): IngestResult {
    const errors = Array.isArray(error) ? error : [errorToAckError(error)];
    const result = answer(original, outcome, errors);
    const code: ErrorCode = Array.isArray(error) ? 'MEDIBUS_ERR_HL7_REQUIRED_FIELD' : error.code;
    const reason = errors.map((e) => e.diagnostic ?? e.userMessage ?? e.code).join('; ');
    status.emit({
      status: 'refused',
      channel: channelId,
      kind: 'hl7v2',
      ...(original ? { sourceId: original.header.controlId } : {}),
      controlId: original?.header.controlId,
      messageType: original ? messageType(original) : undefined,
      code,
      reason,
    });
    log.warn(
      { event: 'refused', controlId: original?.header.controlId, type: original ? messageType(original) : undefined, ack: result.ackCode, code, reason, remote: meta.remote },
      'message refused',
    );
    return result;
  }

  async function ingestHl7(raw: Buffer, meta: ReceivedMeta): Promise<IngestResult> {
    let msg: Hl7Message;
    try {
      msg = parseMessage(raw, { charset: options.charset });
    } catch (error) {
      return refuse(undefined, asMedibusError(error), meta, 'reject');
    }
    const missing = checkRequired(msg);
    if (missing.length > 0) return refuse(msg, missing, meta, 'reject');
    const refused = await options.check?.(msg, messageType(msg));
    if (refused !== undefined) return refuse(msg, refused, meta, 'reject');

    const header = msg.header;
    const type = messageType(msg);
    const messageId = uuidv7(meta.receivedAt.getTime());
    options.debugLog?.debug({ messageId, body: msg.toString() }, 'received body');
    let partition: number;
    try {
      // the bytes as received: the sender's encoding (MSH-18) travels in medibus-charset
      partition = await publishIngress(target, {
        kind: 'hl7v2',
        contentType: hl7v2Kind.contentType,
        body: raw,
        messageId,
        receivedAt: meta.receivedAt,
        sourceId: header.controlId,
        type,
        sender: `${header.sendingApplication}^${header.sendingFacility}`,
        key: keyPath({ kind: 'hl7v2', message: msg }),
        extra: { 'medibus-control-id': header.controlId, 'medibus-charset': msg.charset },
      });
    } catch (error) {
      const failure = asMedibusError(error);
      return refuse(msg, failure, meta, 'error');
    }
    status.emit({ status: 'received', channel: channelId, messageId, kind: 'hl7v2', sourceId: header.controlId, controlId: header.controlId, messageType: type });
    const result = answer(msg, 'accept', []);
    log.info({ event: 'received', messageId, controlId: header.controlId, type, partition, ack: result.ackCode, remote: meta.remote }, 'message received');
    return { ...result, messageId };
  }

  function rejectHl7(head: Buffer, error: MedibusError, meta: ReceivedMeta): IngestResult {
    let original: Hl7Message | undefined;
    try {
      // Only the MSH line is needed to address the answer; the rest of the head is cut short.
      original = parseMessage(firstLine(head), { charset: options.charset });
    } catch {
      original = undefined;
    }
    return refuse(original, error, meta, 'reject');
  }

  return { ingestHl7, rejectHl7 };
}

function firstLine(bytes: Buffer): Buffer {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0d || bytes[i] === 0x0a) return bytes.subarray(0, i);
  }
  return bytes;
}
