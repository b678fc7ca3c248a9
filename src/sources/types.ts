import type { MedibusError } from '../errors.js';
import type { Payload, PayloadKind } from '../kinds/types.js';
import type { Logger } from '../log.js';
import type { JsonSchema } from '../util/json-schema.js';

/**
 * The outcome of handing a received message to the pipeline. `ack` is the protocol answer
 * the source sends back (for HL7 v2: the encoded ACK message, without MLLP framing).
 */
export interface IngestResult {
  /** accepted means the broker confirmed it: the sender may forget the message */
  readonly accepted: boolean;
  /** the answer to send, already encoded in the message's character set */
  readonly ack: Buffer;
  /** AA/AE/AR or CA/CE/CR, for logs and counters */
  readonly ackCode: string;
  /** the medibus message id when accepted */
  readonly messageId?: string;
}

/**
 * The outcome of `SourceContext.ingest` for a payload of any kind. Each source renders its own
 * answer from it: a C-STORE status (Success only when accepted; A700 when retryable; C000 when
 * the object is not understood), a file moved to done/ or failed/.
 */
export type IngestOutcome =
  | { readonly accepted: true; readonly messageId: string }
  | { readonly accepted: false; readonly error: MedibusError; readonly retryable: boolean };

/**
 * What a connector file declares about itself. The same spec drives the channel JSON
 * Schema (and so `medibus validate` and editor completion), the reference docs and the
 * runtime: `configSchema` is the `source:` block without `type`, and every property in
 * it carries `description`, and `default` or `examples`.
 */
export interface SourceSpec<C = unknown> {
  /** the value of `source.type` in a channel file, named after the protocol */
  readonly type: string;
  /** the kind of payload the source hands on; decides the channel's ordering key paths, filter and mapping input */
  readonly kind: PayloadKind;
  readonly description: string;
  /** JSON Schema of the connector's own keys (type: object, additionalProperties: false) */
  readonly configSchema: JsonSchema;
  create(config: C, context: SourceContext): Source;
}

/** What a running source needs from the engine. */
export interface SourceContext {
  readonly channelId: string;
  readonly log: Logger;
  /** the log that may carry bodies; only present when the channel set `log.debug: true` */
  readonly debugLog?: Logger;
  /**
   * Hands one received HL7 v2 payload (the bytes inside the frame, undecoded) to the
   * pipeline. Resolves once the broker has confirmed it, or the message was refused, with
   * the acknowledgement to send back. Never rejects: failures become negative ACKs.
   */
  ingestHl7(raw: Buffer, meta: ReceivedMeta): Promise<IngestResult>;
  /**
   * Builds the negative ACK for a message the transport refused before the pipeline saw it
   * (an oversized frame): `head` is the start of the payload, enough to read MSH for the
   * ACK's addressing. The answer is `AR` (or `CR` in enhanced mode) with an ERR segment.
   */
  rejectHl7(head: Buffer, error: MedibusError, meta: ReceivedMeta): IngestResult;
  /**
   * A DICOM object or CSV row(s) → durable ingress. Resolves once the broker confirmed
   * (accepted) or with the reason it was refused / could not be made durable. Never rejects.
   */
  ingest(payload: Payload, meta: ReceivedMeta): Promise<IngestOutcome>;
  /**
   * Parks an input the source could not read (a CSV row with the wrong column count) in the
   * channel's failed queue, with the reason, where the transform parks what it cannot map.
   * Resolves accepted once the broker confirmed; never rejects.
   */
  fail(record: FailedRecord, error: MedibusError, meta: ReceivedMeta): Promise<IngestOutcome>;
}

/** What a source parks in the failed queue: the input as read, and where it came from. */
export interface FailedRecord {
  readonly kind: PayloadKind;
  /** the body the failed queue keeps (CSV: the rows JSON with the raw text) */
  readonly body: Buffer;
  /** the input's own id (CSV: rowId) */
  readonly sourceId: string;
  readonly type: string;
  readonly sender: string;
  /** extra headers for who reads the failed queue (file, line, column) */
  readonly headers?: Readonly<Record<string, string | number>>;
}

export interface ReceivedMeta {
  /** remote address:port, for the log and the message store */
  readonly remote?: string;
  readonly receivedAt: Date;
  /** the file the payload came from (watched folders), name only: never a patient's data */
  readonly file?: string;
  /** the calling AE title of a DICOM association */
  readonly callingAe?: string;
  /**
   * progress of the input this payload belongs to (CSV: rows done of total), set by the source
   * on one payload every few seconds; rides on that payload's `received` status event
   */
  readonly progress?: { readonly done: number; readonly total?: number; readonly file?: string };
}

export interface Source {
  /** starts listening; rejects if the port cannot be bound */
  start(): Promise<void>;
  /** stops accepting, lets in-flight messages finish (bounded), then closes connections */
  stop(): Promise<void>;
  /** the bound address once started, e.g. for tests that listen on port 0 */
  address(): { host: string; port: number } | undefined;
}
