/**
 * What the transform worker hands the store for one message: the payload as received and the
 * Bundle, plus the patient identifiers to hash. Identifiers come from the Bundle's Patient
 * resources (identifier[].value), so one rule serves every payload kind — HL7 PID-3, DICOM
 * PatientID and CSV columns all end up there through their mappings.
 */
import type { PayloadKind } from '../kinds/types.js';
import type { ContentMode, StoreWriter } from './types.js';

interface Resource {
  readonly resourceType?: unknown;
  readonly identifier?: unknown;
}

interface BundleLike {
  readonly entry?: readonly { readonly resource?: Resource }[];
}

export function patientIdentifiers(bundle: unknown): string[] {
  const out = new Set<string>();
  const entries = (bundle as BundleLike | null)?.entry;
  if (!Array.isArray(entries)) return [];
  for (const e of entries as BundleLike['entry'] & object) {
    const r = e?.resource;
    if (r?.resourceType !== 'Patient' || !Array.isArray(r.identifier)) continue;
    for (const id of r.identifier as { value?: unknown }[]) if (typeof id?.value === 'string' && id.value.trim() !== '') out.add(id.value.trim());
  }
  return [...out];
}

/** What the transform worker knows of a message it handled (pipeline/transform.ts). */
export interface Captured {
  readonly messageId: string;
  readonly channel: string;
  readonly kind: PayloadKind;
  readonly contentType: string;
  /** as received, decoded: the HL7 text, the DICOM JSON, the CSV rows as JSON */
  readonly payload: string | Buffer;
  /** the FHIR Bundle, when the transform produced one */
  readonly bundle?: unknown;
}

export type ContentCapture = (captured: Captured) => void;

/**
 * The transform worker's hook into the store: builds the ContentRecord for the channel's mode
 * (the Bundle serialised only when it is kept) and queues it. Never throws into the worker.
 */
export function contentCapture(writer: Pick<StoreWriter, 'content'>, mode: (channel: string) => ContentMode): ContentCapture {
  return (c) => {
    try {
      const m = mode(c.channel);
      if (m === 'none' || !c.messageId) return;
      const patientIds = patientIdentifiers(c.bundle);
      const full = m === 'full';
      writer.content({
        messageId: c.messageId,
        channel: c.channel,
        at: new Date(),
        kind: c.kind,
        contentType: c.contentType,
        ...(full ? { payload: typeof c.payload === 'string' ? Buffer.from(c.payload, 'utf8') : c.payload } : {}),
        ...(full && c.bundle !== undefined ? { bundle: JSON.stringify(c.bundle) } : {}),
        ...(patientIds.length > 0 ? { patientIds } : {}),
      });
    } catch {
      // the store is an observer: a message is never failed by it
    }
  };
}
