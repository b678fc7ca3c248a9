/**
 * What the transform worker hands the store for one message: the payload as received and the
 * Bundle, plus the patient identifiers to hash. Identifiers come from the Bundle's Patient
 * resources (identifier[].value), so one rule serves every payload kind — HL7 PID-3, DICOM
 * PatientID and CSV columns all end up there through their mappings.
 */
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
