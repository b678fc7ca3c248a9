/**
 * The kinds medibus knows. A new kind (JSON over HTTP, ASTM) is a folder beside hl7v2/, dicom/
 * and csv/ exporting its KindSpec, and one line here.
 */
import { MedibusError } from '../errors.js';
import { csvKind } from './csv/index.js';
import { dicomKind } from './dicom/index.js';
import { hl7v2Kind } from './hl7v2/index.js';
import { PAYLOAD_KINDS, type KindSpec, type Payload, type PayloadKind, type PayloadOf } from './types.js';

type Registry = { readonly [K in PayloadKind]: KindSpec<PayloadOf<K>> };

const KINDS: Registry = { hl7v2: hl7v2Kind, dicom: dicomKind, csv: csvKind };

export function isPayloadKind(value: unknown): value is PayloadKind {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

export function kindSpec<K extends PayloadKind>(kind: K): KindSpec<PayloadOf<K>> {
  if (!Object.hasOwn(KINDS, kind)) throw new MedibusError('MEDIBUS_ERR_KIND_BODY', `unknown payload kind "${String(kind)}" (known: ${Object.keys(KINDS).join(', ')})`);
  return KINDS[kind];
}

/**
 * The spec of a kind for code that handles payloads of any kind (intake, transform, CLI): its
 * methods take a Payload. The caller makes sure the payloads it passes are of that kind (the
 * pipeline checks `payload.kind` first); one place for the cast, not one per call.
 */
export function anyKindSpec(kind: PayloadKind): KindSpec {
  return kindSpec(kind) as unknown as KindSpec;
}

/** The spec of a payload's own kind. */
export function specOf(payload: Payload): KindSpec {
  return anyKindSpec(payload.kind);
}

/** The kind a file name says by its ending (`.dcm` → dicom, `.csv` → csv, `.hl7` → hl7v2); undefined when none does. */
export function kindOfFile(name: string): PayloadKind | undefined {
  const lower = name.toLowerCase();
  return PAYLOAD_KINDS.find((kind) => KINDS[kind].extensions.some((ext) => lower.endsWith(ext)));
}
