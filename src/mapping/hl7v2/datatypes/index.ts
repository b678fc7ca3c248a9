/**
 * v2 → FHIR datatype conversions (the HL7 v2-to-FHIR IG's datatype maps), for the mapping
 * compiler:
 *
 *   const convert = lookupConverter('HumanName');          // XPN → HumanName
 *   const ref = lookupConverter('Reference', 'XON');       // XON → Organization, emitted
 *   convert(segment.field(5).repetition(1), ctx)           // JSON, or undefined
 *   lookupSegmentConversion('obx-value')?.convert(obx, ctx) // { type: 'Quantity', value: … }
 *
 * The table of targets is in registry.ts; the contract (Converter, ConvertContext, ChoiceValue,
 * SegmentConversion) in types.ts. Conversions are pure apart from ctx.warn and ctx.emit, never
 * throw on message content, and never put message values in warnings (they may be PHI).
 */
export type { ChoiceType, ChoiceValue, Converter, ConverterLookup, ConvertContext, EmittedReference, SegmentConversion } from './types.js';
export { convertibleFhirTypes, lookupConverter, lookupSegmentConversion, SEGMENT_CONVERSIONS, v2TypesFor } from './registry.js';
export { choiceElement } from './obx.js';
export { codingSystemUri, knownCodingSystem, LOCAL_SYSTEM_PREFIX } from './coding-systems.js';
export { isValidTimezone } from '../../../util/timezone.js';
export { toDate, toDateTime, toInstant, toTime } from './datetime.js';
export { ucumFor } from './units.js';
