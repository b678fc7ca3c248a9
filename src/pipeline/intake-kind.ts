/**
 * Intake for payloads of every kind but HL7-over-MLLP (which answers with ACKs, intake.ts): a
 * DICOM object's metadata or CSV row(s) → the channel's durable ingress → the outcome the
 * source renders (a C-STORE status, a file moved to done/ or failed/).
 *
 * The same rule as for HL7 (docs/architecture.md, "ACK after confirm"): `accepted` only once
 * RabbitMQ confirmed the persistent publish. A payload of another kind than the channel's, one
 * without an identity, or a key the kind cannot read is refused (not retryable: sending it
 * again changes nothing); a broker that is down, nacks or does not confirm in time is refused
 * as retryable, so the sender keeps its copy. Never rejects.
 */
import { MedibusError } from '../errors.js';
import { anyKindSpec } from '../kinds/registry.js';
import type { Payload, PayloadIdentity, PayloadKind } from '../kinds/types.js';
import { errorHeaders, HEADERS } from '../broker/retry.js';
import type { FailedRecord, IngestOutcome, ReceivedMeta } from '../sources/types.js';
import { uuidv7 } from '../util/ids.js';
import { asMedibusError, publishIngress, type IntakeBase } from './ingress.js';

export interface KindIntakeOptions extends IntakeBase {
  /** the kind the channel's source hands on (SourceSpec.kind) */
  readonly kind: PayloadKind;
  /** ms to wait for the broker's confirm */
  readonly confirmTimeout: number;
}

export function createKindIntake(options: KindIntakeOptions): (payload: Payload, meta: ReceivedMeta) => Promise<IngestOutcome> {
  const { channelId, status, log } = options;
  const spec = anyKindSpec(options.kind);
  const key = spec.compileKey(options.orderingKey);
  const target = { channelId, topology: options.topology, publisher: options.publisher, timeoutMs: options.confirmTimeout };
  const where = (meta: ReceivedMeta) => ({ ...(meta.remote ? { remote: meta.remote } : {}), ...(meta.file ? { file: meta.file } : {}), ...(meta.callingAe ? { callingAe: meta.callingAe } : {}) });

  function refuse(error: MedibusError, meta: ReceivedMeta, sourceId: string | undefined, type: string | undefined): IngestOutcome {
    status.emit({ status: 'refused', channel: channelId, kind: options.kind, ...(sourceId ? { sourceId } : {}), ...(type ? { messageType: type } : {}), code: error.code, reason: error.message });
    log.warn({ event: 'refused', kind: options.kind, sourceId, type, code: error.code, reason: error.message, retryable: error.retryable, ...where(meta) }, 'message refused');
    return { accepted: false, error, retryable: error.retryable };
  }

  // A CSV file is thousands of messages a second: its source logs the file's progress every
  // few seconds instead, and each row's line goes to debug (pino drops it before formatting).
  const perMessage = options.kind === 'csv' ? log.debug.bind(log) : log.info.bind(log);

  return async (payload, meta) => {
    if (payload.kind !== options.kind) {
      return refuse(new MedibusError('MEDIBUS_ERR_KIND_MISMATCH', `channel ${channelId} takes ${options.kind} payloads, not ${payload.kind}`), meta, undefined, undefined);
    }
    let identity: PayloadIdentity;
    let body: Buffer;
    let patientKey: string;
    try {
      identity = spec.identity(payload);
      if (identity.sourceId === '') throw new MedibusError('MEDIBUS_ERR_KIND_BODY', `${payload.kind} payload has no identity (SOP Instance UID / row line)`);
      patientKey = key(payload);
      body = spec.encode(payload);
    } catch (error) {
      return refuse(asMedibusError(error), meta, undefined, undefined);
    }
    const messageId = uuidv7(meta.receivedAt.getTime());
    options.debugLog?.debug({ messageId, body: body.toString('utf8') }, 'received body');
    let partition: number;
    try {
      // the file and line travel with the message, so what the transform parks says where the input was
      const extra = { ...(meta.file ? { 'medibus-file': meta.file } : {}), ...(identity.line !== undefined ? { 'medibus-line': identity.line } : {}) };
      partition = await publishIngress(target, { kind: payload.kind, contentType: spec.contentType, body, messageId, receivedAt: meta.receivedAt, sourceId: identity.sourceId, type: identity.type, sender: identity.sender, key: patientKey, extra });
    } catch (error) {
      return refuse(asMedibusError(error), meta, identity.sourceId, identity.type);
    }
    status.emit({ status: 'received', channel: channelId, messageId, kind: payload.kind, sourceId: identity.sourceId, messageType: identity.type, ...(meta.progress ? { progress: meta.progress } : {}) });
    perMessage({ event: 'received', messageId, kind: payload.kind, sourceId: identity.sourceId, type: identity.type, partition, bytes: body.length, ...where(meta) }, 'message received');
    return { accepted: true, messageId };
  };
}

/**
 * What a source could not read goes where the transform parks what it cannot map: the
 * channel's `failed` queue, with the reason headers the dashboard and replay read. Resolves
 * accepted once the broker confirmed; never rejects.
 */
export function createKindFailer(options: Omit<KindIntakeOptions, 'orderingKey' | 'debugLog'>): (record: FailedRecord, error: MedibusError, meta: ReceivedMeta) => Promise<IngestOutcome> {
  const { channelId, status, log, publisher, topology } = options;
  const contentType = anyKindSpec(options.kind).contentType;
  return async (record, error, meta) => {
    const messageId = uuidv7(meta.receivedAt.getTime());
    const extra = Object.fromEntries(Object.entries(record.headers ?? {}).map(([name, value]) => [`medibus-${name}`, value]));
    try {
      await publisher.publish(
        '',
        topology.failed,
        record.body,
        {
          messageId,
          timestamp: Math.floor(meta.receivedAt.getTime() / 1000),
          contentType,
          headers: {
            'medibus-channel': channelId,
            'medibus-kind': record.kind,
            'medibus-source-id': record.sourceId,
            'medibus-type': record.type,
            'medibus-sender': record.sender,
            'medibus-received-at': meta.receivedAt.toISOString(),
            ...extra,
            ...errorHeaders(error),
            [HEADERS.deadAt]: new Date().toISOString(),
          },
        },
        { timeoutMs: options.confirmTimeout },
      );
    } catch (thrown) {
      const refused = asMedibusError(thrown);
      log.warn({ event: 'refused', kind: record.kind, sourceId: record.sourceId, code: refused.code, reason: refused.message, retryable: refused.retryable }, 'could not park an unreadable input in the failed queue');
      return { accepted: false, error: refused, retryable: refused.retryable };
    }
    status.emit({ status: 'errored', channel: channelId, messageId, kind: record.kind, sourceId: record.sourceId, messageType: record.type, code: error.code, reason: error.message });
    log.warn({ event: 'errored', messageId, kind: record.kind, sourceId: record.sourceId, code: error.code, reason: error.message }, 'input could not be read; parked in the failed queue');
    return { accepted: true, messageId };
  };
}
