/** A JSON object (mapping): not null and not an array, so its keys can be read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Freezes `value` and everything reachable from it, so data shared across the engine (loaded
 * config, stored FHIR resources) cannot be changed by whoever holds it. A part already frozen
 * is not walked again: the walk ends on cycles and on data frozen earlier.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
