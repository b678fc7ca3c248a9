/**
 * Terminology: code tables that `map:` applies to coded fields (docs/mapping-language.md,
 * "Code tables"). Shipped tables (mappings/terminology/) are generated from the v2-to-FHIR
 * IG's ConceptMaps by scripts/import-ig-tables.ts; hospitals add their own (local lab codes
 * → LOINC …) in the same YAML format, or as FHIR ConceptMap JSON.
 *
 *   const { table, diagnostics } = await loadCodeTable('mappings/terminology/v2-0001.yaml');
 *   table.lookup('F')            → { code: 'female', system: 'http://hl7.org/fhir/administrative-gender', display: 'Female' }
 *   table.lookup('X')            → undefined: apply table.unmapped (keep | warn | reject)
 *   table.lookup('F', 'HL70001') → checks the sender's coding system against the table's source
 */
export { CodeTable, type CodeTableDefinition, type CodeTarget, type UnmappedPolicy } from './table.js';
export { codeTableFromText, loadCodeTable, loadCodeTables, SHIPPED_TABLES_DIR, type LoadCodeTableOptions, type LoadedCodeTable } from './load.js';
export { codeTableSchema, conceptMapSchema, UNMAPPED_POLICIES } from './schema.js';
