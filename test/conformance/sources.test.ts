/**
 * Every registered source type runs the conformance suite (source.ts). A type without a
 * driver fails here: adding a source is its file, its test, one registry line and a driver.
 */
import { describe, expect, it } from 'vitest';
import { sourceSpecs } from '../../src/sources/registry.js';
import { dicomSourceDriver } from './drivers/dicom-source.js';
import { csvFolderSourceDriver } from './drivers/csv-folder-source.js';
import { dicomFolderSourceDriver } from './drivers/dicom-folder-source.js';
import { mllpSourceDriver } from './drivers/mllp-source.js';
import { sourceConformance, type SourceDriver } from './source.js';

const drivers: Readonly<Record<string, SourceDriver>> = {
  mllp: mllpSourceDriver,
  dicom: dicomSourceDriver,
  'csv-folder': csvFolderSourceDriver,
  'dicom-folder': dicomFolderSourceDriver,
};

describe('source conformance', () => {
  it('has a driver for every registered source type', () => {
    const missing = sourceSpecs.map((spec) => spec.type).filter((type) => drivers[type] === undefined);
    expect(missing, 'source types without a conformance driver (test/conformance/drivers/)').toEqual([]);
  });
});

for (const spec of sourceSpecs) {
  const driver = drivers[spec.type];
  if (driver !== undefined) sourceConformance(driver);
}
