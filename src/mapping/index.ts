/**
 * The mapping language (docs/mapping-language.md): HL7 v2 message → FHIR R4 transaction Bundle,
 * declared in YAML, compiled once at load.
 *
 *   const { mapping, diagnostics } = await loadMapping('mappings/adt.yaml');
 *   diagnostics.forEach((d) => console.log(formatDiagnostic(d)));   // file:line:col error CODE path: message
 *   if (mapping?.accepts('ADT^A01')) {
 *     const { bundle, warnings } = await mapping.convert(parseMessage(text), { timezone: 'Asia/Ho_Chi_Minh' });
 *   }
 *
 * convert() throws MedibusError: MEDIBUS_ERR_MAPPING_RUNTIME (with segment, occurrence and
 * field), MEDIBUS_ERR_MAPPING_UNMAPPED_CODE, MEDIBUS_ERR_MAPPING_INVALID_FHIR (with each FHIR
 * path). convertSync() does the same without a Promise for mappings without `expr:` rules.
 */
export { loadMapping, loadMappings, type LoadedMapping, type LoadMappingOptions } from './loader.js';
export { mappingSchema } from './language/schema.js';
export { escapeSearchValue, identifierQuery } from './fhir/identifiers.js';
/** For config validation at load: is a channel's `transform.timezone` an IANA zone or a UTC offset? */
export { isValidTimezone } from '../util/timezone.js';
export type { CompiledMapping, ConvertOptions, ConvertResult, MappingDoc, ResourceMode, UnmappedPolicy } from './language/types.js';
