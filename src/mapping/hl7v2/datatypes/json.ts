/**
 * The one cast between the typed FHIR shapes (@medplum/fhirtypes) and the plain JSON records
 * the mapping runtime handles: a resource interface has no index signature, so TypeScript will
 * not treat it as Record<string, unknown> although every FHIR resource is a JSON object.
 */
export function asRecord(resource: object): Record<string, unknown> {
  return resource as Record<string, unknown>;
}
