/**
 * What travels from the transform to the destinations: the Bundle (when the channel maps)
 * and the original HL7 v2 text (for destinations that forward v2, and for the message
 * browser). The AMQP headers of the ingress message travel with it, so the partition, the
 * control id and the received time stay known end to end.
 *
 * Layout: one line of JSON (format version, charset, byte lengths, the Bundle's type and
 * entry count), then the HL7 text (UTF-8), then the Bundle's JSON. The Bundle is serialised
 * once, by the transform, and a FHIR destination sends those bytes as they are: no parse and
 * re-serialisation per destination (measured: the largest avoidable cost of delivery).
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { ConsumeMessage } from 'amqplib';
import { MedibusError } from '../errors.js';

export const ENVELOPE_CONTENT_TYPE = 'application/vnd.medibus.route';

interface EnvelopeHead {
  /** format version; bump on incompatible change (old messages may sit in queues for days) */
  readonly v: 2;
  readonly charset: string;
  /** byte length of the HL7 text that follows the head line */
  readonly hl7: number;
  /** byte length of the Bundle JSON after the HL7 text; 0 when the channel does not map */
  readonly bundle: number;
  readonly type?: string;
  readonly entries?: number;
}

export interface RouteEnvelope {
  /** the original message, decoded, segments separated by CR */
  readonly hl7: string;
  /** the charset the sender used */
  readonly charset: string;
  readonly bundle?: Bundle;
}

export function encodeEnvelope(envelope: RouteEnvelope): Buffer {
  const hl7 = Buffer.from(envelope.hl7, 'utf8');
  const bundle = envelope.bundle === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(envelope.bundle), 'utf8');
  const head: EnvelopeHead = {
    v: 2,
    charset: envelope.charset,
    hl7: hl7.length,
    bundle: bundle.length,
    ...(envelope.bundle === undefined ? {} : { type: envelope.bundle.type, entries: envelope.bundle.entry?.length ?? 0 }),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(head)}\n`, 'utf8'), hl7, bundle]);
}

/** A decoded envelope: the Bundle stays bytes until someone needs it as an object. */
export class DecodedEnvelope {
  readonly charset: string;
  /** the Bundle's JSON as the transform wrote it; undefined without a transform */
  readonly bundleJson: Buffer | undefined;
  readonly bundleType: string | undefined;
  readonly entries: number;
  readonly #hl7: Buffer;
  #hl7Text: string | undefined;
  #bundle: Bundle | undefined;

  constructor(content: Buffer) {
    const newline = content.indexOf(0x0a);
    let head: Partial<EnvelopeHead> | null = null;
    try {
      head = newline < 0 ? null : (JSON.parse(content.subarray(0, newline).toString('utf8')) as Partial<EnvelopeHead>);
    } catch {
      head = null;
    }
    if (head === null || head.v !== 2 || typeof head.hl7 !== 'number' || typeof head.bundle !== 'number' || typeof head.charset !== 'string') {
      throw new MedibusError('MEDIBUS_ERR_INTERNAL', 'route message is not a medibus envelope (v2): was it published by medibus?');
    }
    const hl7Start = newline + 1;
    const bundleStart = hl7Start + head.hl7;
    if (bundleStart + head.bundle !== content.length) throw new MedibusError('MEDIBUS_ERR_INTERNAL', 'route message is truncated');
    this.charset = head.charset;
    this.#hl7 = content.subarray(hl7Start, bundleStart);
    this.bundleJson = head.bundle > 0 ? content.subarray(bundleStart) : undefined;
    this.bundleType = head.type;
    this.entries = head.entries ?? 0;
  }

  get hl7(): string {
    return (this.#hl7Text ??= this.#hl7.toString('utf8'));
  }

  get bundle(): Bundle | undefined {
    if (this.bundleJson === undefined) return undefined;
    return (this.#bundle ??= JSON.parse(this.bundleJson.toString('utf8')) as Bundle);
  }
}

export function decodeEnvelope(content: Buffer): DecodedEnvelope {
  return new DecodedEnvelope(content);
}

/** A header as a string ('' when absent): AMQP tables may carry Buffers for long strings. */
export function header(msg: Pick<ConsumeMessage, 'properties'>, name: string): string {
  const value: unknown = msg.properties.headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return String(value);
  return '';
}

/**
 * The key the consumers serialise on: the hashed patient key the intake computed, or, for a
 * message without a patient, its own id (nothing to keep it in order with).
 */
export function orderingKey(msg: Pick<ConsumeMessage, 'properties'>): string {
  const key = header(msg, 'medibus-key');
  return key !== '' ? key : `id:${String(msg.properties.messageId ?? '')}`;
}
