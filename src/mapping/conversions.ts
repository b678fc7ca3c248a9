/**
 * The conversions shipped mappings compile against: the datatypes module's registry (the
 * IG's datatype maps, src/mapping/hl7v2/datatypes/registry.ts) and its segment-level conversions.
 * Tests may hand loadMapping their own set; the engine never does.
 */
import type { ConversionSet } from './compile/context.js';
import { lookupConverter, SEGMENT_CONVERSIONS } from './hl7v2/datatypes/index.js';

export const DEFAULT_CONVERSIONS: ConversionSet = Object.freeze({
  lookupConverter,
  segmentConversions: SEGMENT_CONVERSIONS,
});
