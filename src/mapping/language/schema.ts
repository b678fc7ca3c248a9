/**
 * JSON Schema of mapping files (mappings/*.yaml). ajv checks the shape with it (all errors at
 * once, at file:line:col), editors complete from the committed copy mappings/mapping.schema.json
 * (kept in sync by test/mapping/schema.test.ts), and its descriptions are reference docs.
 *
 * The schema checks the shape only; what needs the FHIR model or the rest of the file (element
 * names, paths, references between resources, tables) is checked by the compiler, whose
 * messages can say more than a schema can (did-you-mean on FHIR elements, the column of a bad
 * path). Value positions therefore accept any YAML value here: "a number where a rule is
 * expected" gets the compiler's explanation instead of an "expected string or mapping".
 */
import type { JsonSchema } from '../../util/json-schema.js';
import { RESOURCE_MODES, UNMAPPED_POLICIES } from './types.js';

const META_SCHEMA = 'http://json-schema.org/draft-07/schema#';

/** Mapping ids name files (mappings/<id>.yaml) and are written in channel files. */
export const MAPPING_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
const MESSAGE_TYPE_PATTERN = '^[A-Z][A-Z0-9]{2}\\^([A-Z0-9]{3}|\\*)$';
/** a DICOM Modality (CS, PS3.3 C.7.3.1.1.1), a SOP Class UID, or `csv` */
const KIND_TYPE_PATTERN = '^([A-Z0-9_]{1,16}|[0-9]+(\\.[0-9]+)+|csv)$';
const NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';
const SEGMENT_PATTERN = '^[A-Z][A-Z0-9]{2}$';

const ANY_VALUE = ['string', 'number', 'boolean', 'null', 'object', 'array'];

const unmapped = {
  enum: [...UNMAPPED_POLICIES],
  description: 'A code the table does not hold: keep it as sent (keep), keep it and add a warning to the result (warn), fail the message with MEDIBUS_ERR_MAPPING_UNMAPPED_CODE naming the segment, field and code (reject), or leave the element out with a warning (drop: a status or category whose binding the code cannot satisfy; a first: rule then tries the next).',
};

function defs(): Record<string, JsonSchema> {
  return {
    segmentList: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}$', description: 'A segment name: PID, PV1, OBR, ZPI.' },
      description: 'Segments the message must carry (at least one of each).',
      examples: [['PID', 'PV1']],
    },
    path: {
      type: 'string',
      description: 'An HL7 v2 path read in the current scope: SEG[occurrence]-field[repetition].component.subcomponent, all 1-based, e.g. PID-3, PID-3[2].1, PID-5.1.1, OBX[2]-5, MSH-9.2.',
      examples: ['PID-5', 'PID-3[1]', 'OBX-5', 'MSH-9.2'],
    },
    forEach: {
      type: 'string',
      description: 'What to iterate over: a segment name (each occurrence in scope), a group of structure (each such group in scope), or a field path (each repetition of the field).',
      examples: ['PID', 'OBSERVATION', 'NTE', 'PV1-7'],
    },
    rule: {
      type: ANY_VALUE,
      description:
        'A value rule. A plain string is an HL7 path (shorthand for { from: path }); a mapping has exactly one of from, value, ref, first, join, set, convert, expr, plus modifiers; ' +
        'a list (for list elements) concatenates the values of its rules.',
      examples: ['PID-5', { from: 'PID-8', map: 'v2-0001' }, { value: 'final' }, { ref: 'patient' }],
      items: { $ref: '#/$defs/rule' },
      additionalProperties: false,
      properties: {
        from: { $ref: '#/$defs/path', description: 'The field (or component) whose value is converted to the element\'s FHIR type by the v2-to-FHIR datatype map (XPN → HumanName, CX → Identifier, CWE → CodeableConcept …).' },
        value: { description: 'A constant: a string for a primitive element, a mapping for a complex one ({ value: final }, { value: { system: …, code: … } }).', examples: ['final', { use: 'home' }] },
        ref: { type: 'string', pattern: NAME_PATTERN, description: 'A Reference to the resource with this name: the nearest one in scope, or every one in the subtree for a list element.', examples: ['patient'] },
        first: { type: 'array', minItems: 1, items: { $ref: '#/$defs/rule' }, description: 'Rules tried in order; the first that yields a value gives the element its value.' },
        join: { type: 'array', minItems: 1, items: { $ref: '#/$defs/rule' }, description: 'Rules whose text values are joined (empty ones skipped) with the separator `with`; each part gives its first value, or every value with all: true.' },
        with: { type: 'string', description: 'The separator for join (default one space).', examples: [' ', ', '] },
        set: { $ref: '#/$defs/set', description: 'A nested element (BackboneElement or datatype) built from its own rules; omitted when it ends up empty.' },
        convert: { type: 'string', description: 'A named conversion that reads several fields of a segment, e.g. obx-value (OBX-2/5/6 → the right value[x]).', examples: ['obx-value'] },
        expr: { type: 'string', minLength: 1, description: 'Escape hatch: a JSONata expression (sandboxed: no I/O, no clock, no randomness) with $v(path) (first value) and $all(path) (every value) read in the current scope. Use rarely.', examples: ["$v('PID-5.2') & ' ' & $v('PID-5.1')"] },
        type: {
          type: 'string',
          pattern: '^([A-Z]{2,3}|authority|uid)$',
          description:
            'hl7v2: the v2 datatype of the source when the default for the FHIR target is not right (e.g. XCN for a Reference(Practitioner), EI for an Identifier). ' +
            'dicom and csv: authority (the value names an assigning authority: its identifier system), csv also uid (the cell is a DICOM UID).',
          examples: ['XCN', 'EI', 'XON', 'authority', 'uid'],
        },
        map: { type: 'string', pattern: NAME_PATTERN, description: 'A code table (tables: of this mapping, else mappings/terminology/<name>.yaml) translating the code before it is placed.', examples: ['v2-0001'] },
        unmapped,
        when: { $ref: '#/$defs/condition', description: 'The rule yields a value only when this condition holds.' },
        default: { type: 'object', description: 'Elements merged into each produced value where it has none (e.g. use: home for a ContactPoint).', examples: [{ use: 'home' }] },
        all: { type: 'boolean', description: 'false: only the first value, although the element is a list; true (in a join: part): every value, not only the first.', examples: [false] },
        forEach: { $ref: '#/$defs/forEach', description: 'Evaluate the rule once per segment, group or field repetition in scope (e.g. one participant per PV1-7 repetition); values are concatenated.' },
      },
    },
    set: {
      type: 'object',
      description: 'FHIR element name → value rule. Names are checked against the type at load time; a choice is written with its type (valueQuantity) or as value[x] for a conversion that picks the type. a.b is shorthand for a: { set: { b: … } }.',
      examples: [{ name: 'PID-5', gender: { from: 'PID-8', map: 'v2-0001' } }],
      additionalProperties: { $ref: '#/$defs/rule' },
    },
    condition: {
      type: 'object',
      additionalProperties: false,
      description: 'A condition: exactly one of exists, path (with in or equals), not, all, any, expr.',
      examples: [{ exists: 'PID-29' }, { path: 'OBX-2', in: ['NM', 'SN'] }, { not: { exists: 'MRG-1' } }],
      properties: {
        exists: { $ref: '#/$defs/path', description: 'Holds when the path has a value (neither empty nor the HL7 null "").' },
        path: { $ref: '#/$defs/path', description: 'The value compared by in or equals (its first value, as text).' },
        in: { type: 'array', minItems: 1, items: { type: ['string', 'number'] }, description: 'Holds when the value at path is one of these.' },
        equals: { type: ['string', 'number', 'boolean'], description: 'Holds when the value at path is this.' },
        not: { $ref: '#/$defs/condition', description: 'Holds when the inner condition does not.' },
        all: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' }, description: 'Holds when every inner condition holds.' },
        any: { type: 'array', minItems: 1, items: { $ref: '#/$defs/condition' }, description: 'Holds when at least one inner condition holds.' },
        expr: { type: 'string', minLength: 1, description: 'A JSONata expression with $v(path) and $all(path); holds when it yields true.', examples: ["$v('OBX-11') != 'D'"] },
      },
    },
    key: {
      type: ['string', 'object'],
      description:
        'The business identifier: conditional requests and the entry\'s fullUrl are derived from it, so the same message always gives the same bundle. ' +
        'A path (or { from, type }) read as an identifier (CX by default, EI with type: EI), or { system, value } whose value parts are joined with "-".',
      examples: ['PID-3[1]', { from: 'ORC-3', type: 'EI' }, { system: 'urn:oid:2.16.840.1.113883.3.1234', value: ['OBR-3.1', 'OBX-1', 'OBX-3.1'] }],
      additionalProperties: false,
      properties: {
        system: { description: 'The identifier system: a URI (anything with a ":"), or a value rule (path or mapping). Without it, the system comes from the sending facility (see docs/mapping-language.md, Identifier systems).', examples: ['http://hospital.example.org/visit'] },
        value: { description: 'The identifier value: a value rule, or a list of them joined with "-".', examples: [['OBR-3.1', 'OBX-1', 'OBX-3.1']] },
        from: { $ref: '#/$defs/path', description: 'The field read as an identifier (CX, or the datatype named by type).' },
        type: { type: 'string', pattern: '^([A-Z]{2,3}|authority|uid)$', description: 'hl7v2: the v2 datatype of from: CX (default), EI, HD …; csv: uid (the cell is a DICOM UID: urn:dicom:uid).', examples: ['EI', 'uid'] },
        first: { type: 'array', minItems: 1, items: { $ref: '#/$defs/rule' }, description: 'Rules tried in order; the first identifier found is the key.' },
        expr: { type: 'string', minLength: 1, description: 'A JSONata expression yielding { system, value }.' },
      },
    },
    resource: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'type', 'key'],
      description: 'One kind of resource the message produces.',
      properties: {
        name: { type: 'string', pattern: NAME_PATTERN, description: 'The name other rules use in ref:; unique in the mapping.', examples: ['patient', 'encounter'] },
        type: {
          type: 'string',
          pattern: '^[A-Z][A-Za-z]+$',
          description: 'The FHIR R4 resource type (checked at load, with the R4 list); every element under set is checked against it.',
          examples: ['Patient', 'Encounter', 'Observation', 'DiagnosticReport', 'Specimen', 'ServiceRequest', 'Condition', 'AllergyIntolerance', 'RelatedPerson', 'Practitioner', 'Organization', 'Location'],
        },
        forEach: { $ref: '#/$defs/forEach', description: 'One resource per occurrence in the current scope of this segment, group (of structure) or field repetition; absent: one per scope.' },
        when: { $ref: '#/$defs/condition', description: 'The resource is produced only when this condition holds (evaluated in its own scope).' },
        key: { $ref: '#/$defs/key', description: 'The business identifier the resource is matched on (conditional create or update); required, and an empty key at run time fails the message.' },
        mode: { enum: [...RESOURCE_MODES], default: 'upsert', description: 'upsert: conditional update (PUT Type?identifier=…), the message replaces the resource; create: POST with ifNoneExist, an existing resource is referenced and left as it is (a Patient in a lab result, whose demographics must not replace the ADT feed\'s).' },
        set: { $ref: '#/$defs/set', description: 'The resource\'s elements: FHIR element name → value rule.' },
        resources: { type: 'array', items: { $ref: '#/$defs/resource' }, description: 'Nested resources, evaluated in the scope of each occurrence of this one (each ORDER\'s observations).' },
      },
    },
    group: {
      type: 'object',
      additionalProperties: false,
      required: ['start'],
      description: 'A segment group of the HL7 abstract message syntax (v2.5.1 §2.5.2), reduced to what mappings need.',
      properties: {
        start: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: SEGMENT_PATTERN }, description: 'Segments that open a new group of this kind (a group takes each of them once: ORC OBR is one ORDER).', examples: [['ORC', 'OBR']] },
        contains: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' }, description: 'Segments that belong to the group when they follow it, and groups that nest in it.', examples: [['NTE', 'OBSERVATION']] },
      },
    },
    table: {
      type: 'object',
      additionalProperties: false,
      description: 'A code table: inline codes, or file: a table file relative to this mapping (same format as mappings/terminology/*.yaml).',
      examples: [{ file: './terminology/local-lab.yaml' }, { target: 'http://loinc.org', codes: { GLU: { code: '2345-7', display: 'Glucose' } } }],
      properties: {
        file: { type: 'string', minLength: 1, description: 'A table file, relative to this mapping file.' },
        description: { type: 'string', description: 'What the table translates, for people.' },
        source: { type: 'string', description: 'The code system of the codes as sent (a URI).' },
        target: { type: 'string', description: 'The code system the codes are translated to (a URI), used when a code maps to a bare code.' },
        unmapped,
        codes: {
          type: 'object',
          description: 'Code as sent → code (for code elements), or { code, display, system } (added as a coding to a CodeableConcept).',
          additionalProperties: {
            type: ['string', 'object'],
            additionalProperties: false,
            required: ['code'],
            description: 'The translated code.',
            properties: {
              code: { type: 'string', description: 'The translated code.' },
              display: { type: 'string', description: 'Its display text.' },
              system: { type: 'string', description: 'Its code system, when it differs from the table\'s target.' },
            },
          },
        },
      },
    },
  };
}

let cached: JsonSchema | undefined;

/** The schema, built once. */
export function mappingSchema(): JsonSchema {
  return (cached ??= {
    $schema: META_SCHEMA,
    title: 'medibus mapping',
    description: 'How one kind of HL7 v2 message becomes a FHIR R4 transaction Bundle (docs/mapping-language.md).',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'resources'],
    // messageTypes names MSH-9 types: an HL7 mapping needs it; a dicom or csv mapping may list the
    // types its kind reports (DICOM: the Modality, e.g. CT), else it takes every payload of its kind
    if: { properties: { input: { enum: ['dicom', 'csv'] } }, required: ['input'] },
    then: { properties: { messageTypes: { type: 'array', items: { type: 'string', pattern: KIND_TYPE_PATTERN } } } },
    else: { required: ['messageTypes'], properties: { messageTypes: { type: 'array', items: { type: 'string', pattern: MESSAGE_TYPE_PATTERN } } } },
    properties: {
      id: { type: 'string', pattern: MAPPING_ID_PATTERN, description: 'The mapping\'s name: a channel\'s transform.mapping names it, and the file is mappings/<id>.yaml.', examples: ['adt', 'oru-r01'] },
      input: {
        enum: ['hl7v2', 'dicom', 'csv'],
        default: 'hl7v2',
        description: 'The payload kind the mapping reads: hl7v2 (HL7 v2 paths such as PID-3), dicom (keywords or tags), csv (column names). A channel whose source hands on another kind is refused by validate.',
        examples: ['dicom'],
      },
      description: { type: 'string', description: 'What the mapping does, for people.', examples: ['ADT A01/A04/A08 → Patient, Encounter'] },
      messageTypes: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', description: 'MSH-9 message type ^ trigger event (ADT^* accepts every ADT event); for input: dicom the Modality (CT) or SOP Class UID, for input: csv `csv`.' },
        description: 'The messages this mapping accepts; convert refuses the others. Required for hl7v2 mappings; a dicom or csv mapping without it takes every payload of its kind.',
        examples: [['ADT^A01', 'ADT^A04', 'ADT^A08']],
      },
      requires: {
        description:
          'The segments a message must carry for this mapping, from the IG message map\'s cardinalities (ADT_A01: PID 1..1, PV1 1..1). A message that lacks one is refused, naming it (`PID missing`): at intake with AR and an ERR (HL7 v2.5.1 §2.9, condition 100) when the channel runs this mapping, else in the channel\'s failed queue. A list applies to every message type; an object maps a message type (ADT^A40, or ADT^* for the rest) to its list, the exact type winning over ADT^*.',
        examples: [['PID', 'OBR'], { 'ADT^*': ['PID', 'PV1'], 'ADT^A40': ['PID', 'MRG'] }],
        oneOf: [
          { $ref: '#/$defs/segmentList' },
          {
            type: 'object',
            propertyNames: { pattern: MESSAGE_TYPE_PATTERN },
            additionalProperties: { $ref: '#/$defs/segmentList' },
            description: 'Message type (ADT^A40, ADT^*) → the segments it needs.',
          },
        ],
      },
      structure: {
        type: 'object',
        description: 'Segment groups, needed only when a resource iterates over a group (each ORDER with its OBSERVATIONs). Group names are upper case.',
        examples: [{ ORDER: { start: ['ORC', 'OBR'], contains: ['NTE', 'OBSERVATION'] }, OBSERVATION: { start: ['OBX'], contains: ['NTE'] } }],
        propertyNames: { pattern: '^[A-Z][A-Z0-9_]{3,}$' },
        additionalProperties: { $ref: '#/$defs/group' },
      },
      columns: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { type: 'string', minLength: 1 },
        description: 'input: csv — the columns of the header row the export has, as written there. When given, a path naming another column is a load error at its line:column (with a did-you-mean), not a failure of every row at run.',
        examples: [['Id', 'BIRTHDATE', 'FIRST', 'LAST', 'GENDER']],
      },
      identifierSystems: {
        type: 'object',
        description: 'Assigning authority (CX.4.1 / EI.2 namespace, or universal id) → identifier system URI. Takes precedence over the universal id of the message.',
        examples: [{ SPRINGFIELD_HOSP: 'http://hospital.example.org/mrn' }],
        additionalProperties: { type: 'string', pattern: ':', description: 'An identifier system URI.' },
      },
      codeSystems: {
        type: 'object',
        description: 'Local coding system names as senders write them in CWE.3 / CWE.6 (L, 99LAB …) → code system URI; without an entry a local name becomes urn:medibus:local:<name>.',
        examples: [{ L: 'http://lab.hospital.example.org/codes', '99LAB': 'http://lab.hospital.example.org/codes' }],
        additionalProperties: { type: 'string', pattern: ':', description: 'A code system URI.' },
      },
      tables: {
        type: 'object',
        description: 'Code tables for map:, inline or from a file; a name here overrides mappings/terminology/<name>.yaml.',
        additionalProperties: { $ref: '#/$defs/table' },
      },
      // no default: when absent, each table's own unmapped: applies (docs/mapping-language.md, "Code tables")
      unmapped: { ...unmapped, description: `For every table of this mapping, unless the rule or its tables: entry says otherwise; when absent, each table's own unmapped: applies. ${unmapped.description}` },
      derivedMode: {
        enum: [...RESOURCE_MODES],
        default: 'create',
        description: 'How resources derived from fields (Practitioner from XCN, Organization from XON, Location from PL) are sent: create (default: POST with ifNoneExist, an existing one is not overwritten by what a message happens to carry) or upsert.',
      },
      resources: { type: 'array', minItems: 1, items: { $ref: '#/$defs/resource' }, description: 'The resources produced, in bundle order.' },
    },
    $defs: defs(),
  });
}
