/**
 * The message model (issue 10.1): a source hands the pipeline a payload of a declared kind.
 * Everything after the source — ingress, the route envelope, filter, dedupe, ordering key,
 * status events, replay, `convert`, `test` — sees a `Payload` and asks the kind's `KindSpec`
 * for what it needs. A kind is one folder under src/kinds/ plus one line in registry.ts.
 */
import type { CsvRow } from '../csv/index.js';
import type { DicomJson } from '../dicom/index.js';
import type { MedibusError } from '../errors.js';
import type { Hl7Message } from '../hl7/index.js';

export const PAYLOAD_KINDS = ['hl7v2', 'dicom', 'csv'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** A payload after reading: what the filter, the ordering key, dedupe and the mapping see. */
export type Payload = Hl7Payload | DicomPayload | CsvPayload;

export interface Hl7Payload {
  readonly kind: 'hl7v2';
  readonly message: Hl7Message;
}

export interface DicomPayload {
  readonly kind: 'dicom';
  /** PS3.18 Annex F, never pixel data */
  readonly dataset: DicomJson;
  /** path of the stored object (the channel's store directory), when kept */
  readonly objectRef?: string;
}

export interface CsvPayload {
  readonly kind: 'csv';
  /** file name as dropped (no directory) */
  readonly file: string;
  /** of the whole file's bytes */
  readonly sha256: string;
  /** one row, or a group of consecutive rows with the same key */
  readonly rows: readonly CsvRow[];
  readonly groupKey?: string;
}

export type PayloadOf<K extends PayloadKind> = Extract<Payload, { readonly kind: K }>;

export interface PayloadIdentity {
  /** MSH-10 | SOPInstanceUID | `${sha256}:${line}` (the first row's rowId) */
  readonly sourceId: string;
  /** ADT^A01 | the Modality (e.g. `CT`), else the SOP Class UID | `csv` */
  readonly type: string;
  /** MSH-3^MSH-4 | the calling AE / station name | the file name */
  readonly sender: string;
  /** where in its file the payload starts (CSV: its first row's physical line), for who reads the failed queue */
  readonly line?: number;
}

/** A file read as payloads of a kind (medibus convert, medibus test). */
export interface FileReading<P extends Payload = Payload> {
  readonly payloads: readonly P[];
  /** readable problems that did not stop the reading (an HL7 batch count that does not match) */
  readonly warnings: readonly string[];
  /** parts that could not be read (a CSV row with the wrong column count), each with where */
  readonly failures: readonly { readonly where: string; readonly error: MedibusError }[];
}

export interface KindSpec<P extends Payload = Payload> {
  readonly kind: P['kind'];
  /** 'application/hl7-v2' | 'application/dicom+json' | 'application/vnd.medibus.csv-rows+json' */
  readonly contentType: string;
  /** the ordering key a channel of this kind uses when it declares none ('' = no key) */
  readonly defaultKey: string;
  /** file name endings `medibus convert` and `medibus test` read as this kind, e.g. `.dcm` */
  readonly extensions: readonly string[];
  /**
   * The reader glue: a whole file of this kind → its payloads, as its source would hand them
   * on (HL7: each message of a batch; DICOM: the object's metadata; CSV: each row). Throws
   * MedibusError when the file as a whole cannot be read.
   */
  readFile(bytes: Buffer, name: string): Promise<FileReading<P>>;
  /** the ingress body */
  encode(payload: P): Buffer;
  /** ingress body → payload (throws MedibusError) */
  decode(body: Buffer, charset?: string): P;
  identity(payload: P): PayloadIdentity;
  /**
   * Ordering key per channel in the kind's own paths: `PID-3[1]`; `PatientID + IssuerOfPatientID`
   * or `(0010,0020)`; a column `Id` or `PATIENT`. Throws MedibusError for an expression the kind
   * cannot read. The function returns '' when the payload has no key.
   */
  compileKey(expression: string): (payload: P) => string;
}
