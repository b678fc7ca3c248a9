/**
 * What travels from the transform to the destinations: one JSON document per message with
 * the Bundle (when the channel maps) and the original HL7 v2 text (for destinations that
 * forward v2, and for the message browser). The AMQP headers of the ingress message travel
 * with it, so the partition, the control id and the received time stay known end to end.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { ConsumeMessage } from 'amqplib';
import { MedibusError } from '../errors.js';

export const ENVELOPE_CONTENT_TYPE = 'application/vnd.medibus.route+json';

export interface RouteEnvelope {
  /** format version; bump on incompatible change (old messages may sit in queues for days) */
  readonly v: 1;
  /** the original message, decoded, segments separated by CR */
  readonly hl7: string;
  /** the charset the sender used */
  readonly charset: string;
  readonly bundle?: Bundle;
}

export function encodeEnvelope(envelope: RouteEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

export function decodeEnvelope(content: Buffer): RouteEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new MedibusError('MEDIBUS_ERR_INTERNAL', 'route message is not JSON: was it published by medibus?', { cause: error });
  }
  const e = value as Partial<RouteEnvelope> | null;
  if (e === null || typeof e !== 'object' || e.v !== 1 || typeof e.hl7 !== 'string' || typeof e.charset !== 'string') {
    throw new MedibusError('MEDIBUS_ERR_INTERNAL', 'route message is not a medibus envelope (v1)');
  }
  return e as RouteEnvelope;
}

/** A header as a string ('' when absent): AMQP tables may carry Buffers for long strings. */
export function header(msg: Pick<ConsumeMessage, 'properties'>, name: string): string {
  const value: unknown = msg.properties.headers?.[name];
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number') return String(value);
  return '';
}
