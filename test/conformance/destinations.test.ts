/**
 * Every registered destination type runs the conformance suite (destination.ts). A type
 * without a driver fails here: adding a destination is its file, its test, one registry
 * line and a driver.
 */
import { describe, expect, it } from 'vitest';
import { destinationSpecs } from '../../src/destinations/registry.js';
import { destinationConformance, type DestinationDriver } from './destination.js';
import { amqpDestinationDriver } from './drivers/amqp-destination.js';
import { fileDestinationDriver } from './drivers/file-destination.js';
import { fhirDestinationDriver } from './drivers/fhir-destination.js';
import { httpDestinationDriver } from './drivers/http-destination.js';
import { mllpDestinationDriver } from './drivers/mllp-destination.js';

const drivers: Readonly<Record<string, DestinationDriver>> = {
  fhir: fhirDestinationDriver,
  mllp: mllpDestinationDriver,
  amqp: amqpDestinationDriver,
  http: httpDestinationDriver,
  file: fileDestinationDriver,
};

describe('destination conformance', () => {
  it('has a driver for every registered destination type', () => {
    const missing = destinationSpecs.map((spec) => spec.type).filter((type) => drivers[type] === undefined);
    expect(missing, 'destination types without a conformance driver (test/conformance/drivers/)').toEqual([]);
  });
});

for (const spec of destinationSpecs) {
  const driver = drivers[spec.type];
  if (driver !== undefined) destinationConformance(driver);
}
