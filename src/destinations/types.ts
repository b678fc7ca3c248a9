import type { Bundle } from '@medplum/fhirtypes';
import type { PayloadKind } from '../kinds/types.js';
import type { Logger } from '../log.js';
import type { JsonSchema } from '../util/json-schema.js';

/**
 * A destination connector's declaration (one file per connector, one line in registry.ts).
 * `configSchema` holds the connector's own keys; the keys every destination has (`name`,
 * `type`, `ordering`, `retry`) are added by the channel schema, and are not passed here.
 */
export interface DestinationSpec<C = unknown> {
  /** `destinations[].type`, named after the protocol */
  readonly type: string;
  readonly description: string;
  /** JSON Schema of the connector's own keys (type: object, additionalProperties: false) */
  readonly configSchema: JsonSchema;
  /**
   * Whether this configuration sends the FHIR Bundle (the fhir destination, `payload: bundle`):
   * then the channel needs `transform.mapping`, which `medibus validate` checks at load
   * rather than dead-lettering every message at run time.
   */
  readonly sendsBundle?: (config: C) => boolean;
  /** Whether it forwards the original HL7 v2 text (mllp, `payload: hl7`): refused at validate on a channel of another kind. */
  readonly forwardsHl7?: (config: C) => boolean;
  create(config: C, context: DestinationContext): Destination;
}

export interface DestinationContext {
  readonly channelId: string;
  /** `destinations[].name` */
  readonly name: string;
  readonly log: Logger;
}

/** What the delivery worker hands a destination: one message, after its transform. */
export interface OutboundMessage {
  /** medibus message id (UUID v7) — stable across retries and replays */
  readonly messageId: string;
  readonly channel: string;
  /** the payload kind the channel's source handed on */
  readonly kind: PayloadKind;
  /** MSH-10 / SOPInstanceUID / CSV rowId (`sha256:line`) */
  readonly sourceId: string;
  /** MSH-10 of the original message ('' for other kinds) */
  readonly controlId: string;
  /** e.g. `ADT^A01` */
  readonly messageType: string;
  /** the FHIR transaction Bundle, when the channel has a transform (parsed on first use) */
  readonly bundle: Bundle | undefined;
  /**
   * The same Bundle as the JSON bytes the transform wrote: a destination that sends JSON
   * sends these, instead of serialising `bundle` again.
   */
  readonly bundleJson: Buffer | undefined;
  /** `Bundle.type` and the number of entries, known without parsing the Bundle */
  readonly bundleType: string | undefined;
  readonly entries: number;
  /** the original HL7 v2 message, decoded (segments separated by CR); '' for other kinds */
  readonly hl7: string;
  /** the original payload as the transform routed it: HL7 text in UTF-8, DICOM JSON, CSV rows JSON */
  readonly original: { readonly contentType: string; readonly bytes: Buffer };
  /** the charset the sender used (MSH-18 or the channel's), to re-encode when forwarding v2 */
  readonly charset: string;
  /** 1 for the first try */
  readonly attempt: number;
  readonly receivedAt: Date;
}

/** What identifies a message in the JSON a destination writes (webhook body, file line). */
export function messageHead(message: OutboundMessage): Record<string, string> {
  return {
    messageId: message.messageId,
    channel: message.channel,
    // HL7 lines stay as they were before kinds; the others say what they carry
    ...(message.kind === 'hl7v2' ? {} : { kind: message.kind, sourceId: message.sourceId }),
    controlId: message.controlId,
    messageType: message.messageType,
    // ISO 8601, so any consumer can read it
    receivedAt: message.receivedAt.toISOString(),
  };
}

const CLOSE_BRACE = Buffer.from('}', 'utf8');

/**
 * `{ ...head, "bundle": <the Bundle> }` as JSON bytes, with the Bundle's JSON as the
 * transform wrote it (bundleJson): the same bytes JSON.stringify would give, without parsing
 * the Bundle and serialising it again.
 */
export function jsonWithBundle(head: Readonly<Record<string, unknown>>, bundleJson: Buffer): Buffer {
  const text = JSON.stringify(head);
  const open = text.length > 2 ? `${text.slice(0, -1)},"bundle":` : '{"bundle":';
  return Buffer.concat([Buffer.from(open, 'utf8'), bundleJson, CLOSE_BRACE]);
}

/**
 * A running destination. `deliver` resolves once the destination has the message (FHIR
 * server answered 2xx for every entry, downstream ACK was AA/CA, broker confirmed, file
 * written and flushed). It rejects with a MedibusError:
 * - retryable (MEDIBUS_ERR_DELIVERY_TRANSIENT / _AUTH, or any retryable code): connection
 *   refused, timeout, HTTP 408/429/5xx, AE/CE — the worker retries with backoff;
 * - not retryable (MEDIBUS_ERR_DELIVERY_REJECTED): HTTP 4xx, invalid resource, AR/CR — the
 *   worker dead-letters at once, with the message of the error as the reason.
 * The error message must say what the destination answered (status, OperationOutcome
 * diagnostics, ERR segment) without message content (no names or identifiers).
 * `signal` aborts an attempt when the worker stops or gives up; abort promptly.
 */
export interface Destination {
  deliver(message: OutboundMessage, signal: AbortSignal): Promise<void>;
  /** release connections; in-flight deliveries have already finished or been aborted */
  close(): Promise<void>;
}
