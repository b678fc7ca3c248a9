/**
 * The kinds medibus knows. A new kind (JSON over HTTP, ASTM) is a folder beside hl7v2/, dicom/
 * and csv/ exporting its KindSpec, and one line here.
 */
import { MedibusError } from '../errors.js';
import type { KindSpec, Payload, PayloadKind, PayloadOf } from './types.js';

type Registry = { readonly [K in PayloadKind]: KindSpec<PayloadOf<K>> };

const KINDS: Partial<Registry> = {};

export function isPayloadKind(value: unknown): value is PayloadKind {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

export function kindSpec<K extends PayloadKind>(kind: K): KindSpec<PayloadOf<K>> {
  const spec = KINDS[kind];
  if (spec === undefined) throw new MedibusError('MEDIBUS_ERR_INTERNAL', `unknown payload kind "${kind}"`);
  return spec as KindSpec<PayloadOf<K>>;
}

/** The spec of a payload's own kind, typed for any payload. */
export function specOf(payload: Payload): KindSpec {
  return kindSpec(payload.kind) as unknown as KindSpec;
}
