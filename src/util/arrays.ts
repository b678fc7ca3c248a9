/**
 * Drops the elements past `length`, by pop rather than `array.length = length`: V8 sets an
 * array's length through the runtime, and the mapping does this for every rule it evaluates.
 */
export function truncate(array: unknown[], length: number): void {
  while (array.length > length) array.pop();
}
