/**
 * What travels from the transform to the destinations: the Bundle (when the channel maps)
 * and the original payload (for destinations that forward it — HL7 v2 to an MLLP peer — and
 * for the message browser). The AMQP headers of the ingress message travel with it, so the
 * partition, the source id and the received time stay known end to end.
 *
 * Layout v3: one line of JSON (format version, kind, content type, charset, byte lengths, the
 * Bundle's type and entry count), then the original bytes, then the Bundle's JSON. For HL7 the
 * original is the message text in UTF-8 (charset names the sender's, for re-encoding); for
 * DICOM the DICOM JSON, for CSV the rows' JSON (src/kinds/<kind>: encode). The Bundle is
 * serialised once, by the transform, and a FHIR destination sends those bytes as they are: no
 * parse and re-serialisation per destination (measured: the largest avoidable cost of delivery).
 *
 * v2 (HL7 only: `hl7` for the original's length) still decodes: route queues may hold them for
 * days across an upgrade.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { ConsumeMessage } from 'amqplib';
import { MedibusError } from '../errors.js';
import { isPayloadKind } from '../kinds/registry.js';
import type { PayloadKind } from '../kinds/types.js';

export const ENVELOPE_CONTENT_TYPE = 'application/vnd.medibus.route';

interface EnvelopeHeadV3 {
  /** format version; bump on incompatible change (old messages may sit in queues for days) */
  readonly v: 3;
  readonly kind: PayloadKind;
  readonly contentType: string;
  /** HL7: the sender's charset (the original bytes are UTF-8 all the same) */
  readonly charset?: string;
  /** byte length of the original that follows the head line */
  readonly original: number;
  /** byte length of the Bundle JSON after the original; 0 when the channel does not map */
  readonly bundle: number;
  readonly type?: string;
  readonly entries?: number;
}

interface EnvelopeHeadV2 {
  readonly v: 2;
  readonly charset: string;
  readonly hl7: number;
  readonly bundle: number;
  readonly type?: string;
  readonly entries?: number;
}

export interface RouteEnvelope {
  readonly kind: PayloadKind;
  readonly contentType: string;
  /** HL7: the message decoded, segments separated by CR; other kinds: their ingress body */
  readonly original: string | Buffer;
  /** HL7: the charset the sender used */
  readonly charset?: string;
  readonly bundle?: Bundle;
}

/** The HL7-only shape of before kinds (v2), still accepted: an HL7 route envelope. */
export interface Hl7RouteEnvelope {
  readonly hl7: string;
  readonly charset: string;
  readonly bundle?: Bundle;
}

export function encodeEnvelope(input: RouteEnvelope | Hl7RouteEnvelope): Buffer {
  const envelope: RouteEnvelope = 'hl7' in input ? { kind: 'hl7v2', contentType: 'application/hl7-v2', original: input.hl7, charset: input.charset, ...(input.bundle ? { bundle: input.bundle } : {}) } : input;
  const original = typeof envelope.original === 'string' ? Buffer.from(envelope.original, 'utf8') : envelope.original;
  const bundle = envelope.bundle === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(envelope.bundle), 'utf8');
  const head: EnvelopeHeadV3 = {
    v: 3,
    kind: envelope.kind,
    contentType: envelope.contentType,
    ...(envelope.charset === undefined ? {} : { charset: envelope.charset }),
    original: original.length,
    bundle: bundle.length,
    ...(envelope.bundle === undefined ? {} : { type: envelope.bundle.type, entries: envelope.bundle.entry?.length ?? 0 }),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(head)}\n`, 'utf8'), original, bundle]);
}

/** v2 and v3 heads as one shape; undefined when the line is neither. */
function readHead(line: Buffer): EnvelopeHeadV3 | undefined {
  let head: Partial<EnvelopeHeadV3> & Partial<EnvelopeHeadV2>;
  try {
    head = JSON.parse(line.toString('utf8')) as typeof head;
  } catch {
    return undefined;
  }
  if (typeof head !== 'object' || head === null || typeof head.bundle !== 'number') return undefined;
  const described = { bundle: head.bundle, ...(head.type === undefined ? {} : { type: head.type }), ...(head.entries === undefined ? {} : { entries: head.entries }) };
  if (head.v === 2 && typeof head.hl7 === 'number' && typeof head.charset === 'string') {
    return { v: 3, kind: 'hl7v2', contentType: 'application/hl7-v2', charset: head.charset, original: head.hl7, ...described };
  }
  if (head.v === 3 && isPayloadKind(head.kind) && typeof head.contentType === 'string' && typeof head.original === 'number' && (head.charset === undefined || typeof head.charset === 'string')) {
    return { v: 3, kind: head.kind, contentType: head.contentType, ...(head.charset === undefined ? {} : { charset: head.charset }), original: head.original, ...described };
  }
  return undefined;
}

/** A decoded envelope: the Bundle stays bytes until someone needs it as an object. */
export class DecodedEnvelope {
  readonly kind: PayloadKind;
  readonly contentType: string;
  /** HL7: the sender's charset; UTF-8 for the other kinds */
  readonly charset: string;
  /** the original as the transform wrote it (HL7: its UTF-8 text) */
  readonly original: Buffer;
  /** the Bundle's JSON as the transform wrote it; undefined without a transform */
  readonly bundleJson: Buffer | undefined;
  readonly bundleType: string | undefined;
  readonly entries: number;
  #hl7Text: string | undefined;
  #bundle: Bundle | undefined;

  constructor(content: Buffer) {
    const newline = content.indexOf(0x0a);
    const head = newline < 0 ? undefined : readHead(content.subarray(0, newline));
    if (head === undefined) {
      throw new MedibusError('MEDIBUS_ERR_INTERNAL', 'route message is not a medibus envelope (v2 or v3): was it published by medibus?');
    }
    const originalStart = newline + 1;
    const bundleStart = originalStart + head.original;
    if (bundleStart + head.bundle !== content.length) throw new MedibusError('MEDIBUS_ERR_INTERNAL', 'route message is truncated');
    this.kind = head.kind;
    this.contentType = head.contentType;
    this.charset = head.charset ?? 'UTF-8';
    this.original = content.subarray(originalStart, bundleStart);
    this.bundleJson = head.bundle > 0 ? content.subarray(bundleStart) : undefined;
    this.bundleType = head.type;
    this.entries = head.entries ?? 0;
  }

  /** the HL7 v2 text; '' for a payload of another kind (an HL7 destination is refused for those at validate) */
  get hl7(): string {
    if (this.kind !== 'hl7v2') return '';
    return (this.#hl7Text ??= this.original.toString('utf8'));
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
