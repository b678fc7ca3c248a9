import type { SourceSpec } from './types.js';
import { dicomSource } from './dicom/index.js';
import { csvFolderSource } from './folder/csv.js';
import { dicomFolderSource } from './folder/dicom.js';
import { mllpSource } from './mllp.js';

/**
 * Every source connector medibus knows. Adding one: its file, its test, one line here, and a
 * conformance driver (test/conformance/drivers/, listed in test/conformance/sources.test.ts,
 * which fails for a type without one; docs/architecture.md, "Connector conformance").
 */
export const sourceSpecs: readonly SourceSpec<never>[] = [
  mllpSource as SourceSpec<never>,
  dicomSource as SourceSpec<never>,
  csvFolderSource as SourceSpec<never>,
  dicomFolderSource as SourceSpec<never>,
];

export function findSourceSpec(type: string): SourceSpec<never> | undefined {
  return sourceSpecs.find((spec) => spec.type === type);
}
