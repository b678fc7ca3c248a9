/**
 * JSON Schemas of the two code table formats (docs/mapping-language.md, "Code tables"):
 * medibus YAML tables, and FHIR R4 ConceptMap resources (JSON) for tables a terminology
 * server already publishes. `codeTableSchema` is also what a mapping's inline `tables:`
 * entries are validated with. The descriptions are the reference documentation: the
 * generated `mappings/terminology/code-table.schema.json` carries them into editors.
 */
import type { JsonSchema } from '../../util/json-schema.js';

export const UNMAPPED_POLICIES = ['keep', 'warn', 'reject'] as const;

/** One schema for both forms (not anyOf), so a wrong entry gets one precise message. */
const target: JsonSchema = {
  description: 'What a source code becomes: a code in the table\'s `target` system, or { code, display, system } (a coding).',
  type: ['string', 'object'],
  minLength: 1,
  additionalProperties: false,
  required: ['code'],
  properties: {
    code: { type: 'string', minLength: 1, description: 'the target code' },
    display: { type: 'string', description: 'its display text (added to the coding)' },
    system: { type: 'string', minLength: 1, pattern: '^\\S+$', description: 'its code system URI, when not the table\'s `target`' },
  },
};

export const codeTableSchema: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'medibus code table',
  description: 'Maps the codes of one v2 table (or a local code list) to FHIR codes. See docs/mapping-language.md, "Code tables".',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'codes'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'the name `map:` uses, e.g. `v2-0001`' },
    description: { type: 'string', description: 'free text: what the table maps, and from where' },
    source: { type: 'string', minLength: 1, pattern: '^\\S+$', description: 'the code system of the source codes: a URI, or a v2 coding system name (HL70001, L, 99LAB); codes sent with another system are not looked up' },
    target: { type: 'string', minLength: 1, pattern: '^\\S+$', description: 'the code system URI of the target codes, unless an entry names its own' },
    unmapped: { enum: [...UNMAPPED_POLICIES], default: 'keep', description: 'for codes the table does not hold: keep (the source code as is), warn (keep, and record a warning), reject (the message fails with MEDIBUS_ERR_MAPPING_UNMAPPED_CODE)' },
    codes: {
      type: 'object',
      description: 'source code → target',
      propertyNames: { type: 'string', minLength: 1 },
      additionalProperties: target,
    },
  },
};

/** The parts of an R4 ConceptMap a table needs; other elements are allowed and ignored. */
export const conceptMapSchema: JsonSchema = {
  type: 'object',
  required: ['resourceType', 'group'],
  properties: {
    resourceType: { const: 'ConceptMap' },
    id: { type: 'string' },
    url: { type: 'string' },
    name: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    sourceUri: { type: 'string' },
    sourceCanonical: { type: 'string' },
    targetUri: { type: 'string' },
    targetCanonical: { type: 'string' },
    group: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['element'],
        properties: {
          source: { type: 'string' },
          target: { type: 'string' },
          element: {
            type: 'array',
            items: {
              type: 'object',
              required: ['code'],
              properties: {
                code: { type: 'string', minLength: 1 },
                display: { type: 'string' },
                target: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      code: { type: 'string' },
                      display: { type: 'string' },
                      equivalence: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
          unmapped: { type: 'object', properties: { mode: { enum: ['provided', 'fixed', 'other-map'] } } },
        },
      },
    },
  },
};
