/**
 * The `dicom` source: a C-STORE SCP (with C-ECHO). A C-STORE is answered Success (0000) only
 * once its message is durable in the broker; A700 (out of resources) when it could not be
 * made durable and a resend may work (broker down or unconfirmed, disk, maxObjectSize);
 * C000 (cannot understand) when the object cannot be read, with the reason in the log and
 * in the response's Error Comment. docs/dicom-scp.md.
 */
import { TLS_REF, type TlsConfig } from '../../tls/index.js';
import type { Source, SourceContext, SourceSpec } from '../types.js';
import { DicomScpServer, STATUS, type ReceivedObject, type StoreAnswer } from './scp.js';

export interface DicomSourceConfig {
  readonly host: string;
  readonly port: number;
  readonly aeTitle: string;
  readonly allowedCallingAeTitles: readonly string[];
  readonly sopClasses: readonly string[];
  readonly transferSyntaxes: readonly string[];
  /** bytes */
  readonly maxPduLength: number;
  readonly maxAssociations: number;
  /** ms */
  readonly idleTimeout: number;
  readonly associationTimeout: number;
  readonly ackTimeout: number;
  /** bytes, 0 = no limit */
  readonly maxObjectSize: number;
  readonly objects?: { readonly dir: string };
  readonly tls?: TlsConfig;
}

/** what the listener accepts by default: as stored, no transcoding (PS3.5 §10, Annex A) */
export const DEFAULT_TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2.1', // Explicit VR Little Endian
  '1.2.840.10008.1.2', // Implicit VR Little Endian
  '1.2.840.10008.1.2.2', // Explicit VR Big Endian (retired, still sent)
  '1.2.840.10008.1.2.1.99', // Deflated Explicit VR Little Endian
  '1.2.840.10008.1.2.4.50', // JPEG Baseline
  '1.2.840.10008.1.2.4.51', // JPEG Extended
  '1.2.840.10008.1.2.4.57', // JPEG Lossless
  '1.2.840.10008.1.2.4.70', // JPEG Lossless SV1
  '1.2.840.10008.1.2.4.80', // JPEG-LS Lossless
  '1.2.840.10008.1.2.4.81', // JPEG-LS Near-Lossless
  '1.2.840.10008.1.2.4.90', // JPEG 2000 Lossless
  '1.2.840.10008.1.2.4.91', // JPEG 2000
  '1.2.840.10008.1.2.5', // RLE Lossless
];

export const dicomSource: SourceSpec<DicomSourceConfig> = {
  type: 'dicom',
  kind: 'dicom',
  description: 'A DICOM C-STORE SCP (with C-ECHO): answers Success only once the object\'s metadata message is durable in the broker; objects are streamed to disk, never held whole.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['port'],
    properties: {
      host: { type: 'string', description: 'Interface to bind. 127.0.0.1 accepts only local senders; 0.0.0.0 accepts any.', default: '127.0.0.1', examples: ['0.0.0.0'] },
      port: { type: 'integer', minimum: 0, maximum: 65535, description: 'TCP port to listen on (0 picks a free port, for tests).', examples: [11112, 104] },
      aeTitle: { type: 'string', minLength: 1, maxLength: 16, description: 'Our AE title: an association calling another one is rejected (called-AE-title-not-recognized).', default: 'MEDIBUS', examples: ['MEDIBUS_PACS'] },
      allowedCallingAeTitles: {
        type: 'array',
        items: { type: 'string', maxLength: 16 },
        description: 'Calling AE titles allowed to associate; empty = any. Others are rejected (permanent, calling-AE-title-not-recognized) and logged.',
        default: [],
        examples: [['CT01', 'MR02']],
      },
      sopClasses: {
        type: 'array',
        items: { type: 'string', pattern: '^[0-9.]+\\*?$' },
        description: 'Abstract syntaxes accepted for C-STORE: SOP Class UIDs, or a prefix ending in *. Verification (C-ECHO) is always accepted. Default: every Storage SOP Class (UIDs under 1.2.840.10008.5.1.4.1.1).',
        default: ['1.2.840.10008.5.1.4.1.1.*'],
        examples: [['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.4']],
      },
      transferSyntaxes: {
        type: 'array',
        items: { type: 'string', pattern: '^[0-9.]+$' },
        description: 'Transfer syntaxes accepted, in order of preference; objects are kept as sent, never transcoded. Default: implicit and explicit VR little endian, explicit big endian, deflated, JPEG, JPEG-LS, JPEG 2000, RLE.',
        default: DEFAULT_TRANSFER_SYNTAXES,
        examples: [['1.2.840.10008.1.2.1', '1.2.840.10008.1.2']],
      },
      maxPduLength: { $ref: '#/$defs/size', description: 'Largest P-DATA PDU we receive (A-ASSOCIATE-AC maximum length).', default: '64KiB' },
      maxAssociations: { type: 'integer', minimum: 1, description: 'Concurrent associations; a further one is rejected (transient, local-limit-exceeded), so the modality retries.', default: 32 },
      idleTimeout: { $ref: '#/$defs/duration', description: 'Abort an association after this long without a PDU (0 = never). Must exceed ackTimeout.', default: '60s' },
      associationTimeout: { $ref: '#/$defs/duration', description: 'Close a connection that sends no A-ASSOCIATE-RQ within this time.', default: '30s' },
      ackTimeout: { $ref: '#/$defs/duration', description: 'How long to wait for the broker to confirm a message before answering A700.', default: '10s' },
      maxObjectSize: { $ref: '#/$defs/size', description: 'Largest object accepted (0 = no limit); a larger one is not kept and is answered A700 with the reason.', default: 0, examples: ['4GiB'] },
      objects: {
        type: 'object',
        additionalProperties: false,
        required: ['dir'],
        description: 'Keep received objects: each is written to dir/<SOPInstanceUID>.dcm and the message carries its path (objectRef). Absent: objects are parsed from a temp file, then deleted.',
        examples: [{ dir: 'var/dicom' }],
        properties: { dir: { type: 'string', description: 'Directory for kept objects (created if missing).', examples: ['var/dicom'] } },
      },
      tls: {
        $ref: TLS_REF,
        description: 'DICOM over TLS (PS3.15 Annex B): cert and key are the listener\'s; with ca and requestCert: true only modalities with a certificate signed by ca (and, with allowedSubjects, one of those subjects) get through.',
        examples: [{ cert: '${MEDIBUS_TLS_DIR}/server.crt', key: '${MEDIBUS_TLS_DIR}/server.key', ca: '${MEDIBUS_TLS_DIR}/hospital-ca.crt', requestCert: true }],
      },
    },
  },
  create(config, context) {
    return createDicomSource(config, context);
  },
};

function createDicomSource(config: DicomSourceConfig, context: SourceContext): Source {
  const log = context.log.child({ source: 'dicom' });
  const handle = async (object: ReceivedObject): Promise<StoreAnswer> => {
    const payload = { kind: 'dicom' as const, dataset: object.stored.object.dataset, ...(object.objectRef === undefined ? {} : { objectRef: object.objectRef }) };
    const outcome = await context.ingest(payload, { remote: object.remote, receivedAt: object.receivedAt, callingAe: object.callingAe });
    if (outcome.accepted) return { status: STATUS.success };
    log.warn({ remote: object.remote, callingAe: object.callingAe, errCode: outcome.error.code, reason: outcome.error.message, retryable: outcome.retryable }, 'DICOM object not accepted');
    const status = outcome.retryable ? STATUS.outOfResources : outcome.error.code.startsWith('MEDIBUS_ERR_DICOM_') ? STATUS.cannotUnderstand : STATUS.processingFailure;
    return { status, error: outcome.error };
  };
  const server = new DicomScpServer(
    {
      host: config.host,
      port: config.port,
      aeTitle: config.aeTitle,
      allowedCallingAeTitles: config.allowedCallingAeTitles,
      sopClasses: config.sopClasses,
      transferSyntaxes: config.transferSyntaxes,
      maxPduLength: config.maxPduLength,
      maxAssociations: config.maxAssociations,
      idleTimeout: config.idleTimeout,
      associationTimeout: config.associationTimeout,
      maxObjectSize: config.maxObjectSize,
      ...(config.objects === undefined ? {} : { objectsDir: config.objects.dir }),
      ...(config.tls === undefined ? {} : { tls: config.tls }),
      log,
      name: `channel ${context.channelId} source`,
      drainTimeout: config.ackTimeout + 5000,
    },
    handle,
  );
  return { start: () => server.start(), stop: () => server.stop(), address: () => server.address() };
}
