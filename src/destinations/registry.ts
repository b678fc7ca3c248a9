import type { DestinationSpec } from './types.js';
import { amqpDestination } from './amqp.js';
import { fhirDestination } from './fhir.js';
import { fileDestination } from './file.js';
import { httpDestination } from './http.js';
import { mllpDestination } from './mllp.js';

/**
 * Every destination connector medibus knows. Adding one: its file, its test, one line here,
 * and a conformance driver (test/conformance/drivers/, listed in
 * test/conformance/destinations.test.ts, which fails for a type without one).
 */
export const destinationSpecs: readonly DestinationSpec<never>[] = [
  fhirDestination as DestinationSpec<never>,
  mllpDestination as DestinationSpec<never>,
  amqpDestination as DestinationSpec<never>,
  httpDestination as DestinationSpec<never>,
  fileDestination as DestinationSpec<never>,
];

export function findDestinationSpec(type: string): DestinationSpec<never> | undefined {
  return destinationSpecs.find((spec) => spec.type === type);
}
