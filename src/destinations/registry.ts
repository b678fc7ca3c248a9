import type { DestinationSpec } from './types.js';

/** Every destination connector medibus knows. Adding one: its file, its test, one line here. */
export const destinationSpecs: readonly DestinationSpec<never>[] = [];

export function findDestinationSpec(type: string): DestinationSpec<never> | undefined {
  return destinationSpecs.find((spec) => spec.type === type);
}
