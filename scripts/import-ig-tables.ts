/**
 * (Re)generates the shipped code tables from the HL7 v2-to-FHIR IG's ConceptMap CSVs.
 *
 *   npx tsx scripts/import-ig-tables.ts [path/to/v2-to-fhir]     (default: ../shared/v2-to-fhir)
 *
 * Writes, and reports what it wrote:
 *   mappings/terminology/<id>.yaml              one table per entry of TABLES below
 *   mappings/terminology/code-table.schema.json the schema editors use for those files
 *   src/mapping/hl7v2/datatypes/ig-codes.ts         the few tables the datatype conversions use
 *                                               themselves (name use, address use/type, telecom)
 *
 * This is the only file that reads the IG checkout; everything at run time reads the output,
 * which is committed and reviewed as a diff when the IG changes. Rows are taken as the IG
 * wrote them; where a CSV is irregular the reader says so below (display in the unnamed
 * column, trailing spaces in codes, rows without a source code = target-only rows).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeTableSchema } from '../src/mapping/terminology/schema.js';
import type { UnmappedPolicy } from '../src/mapping/terminology/table.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IG = path.resolve(process.argv[2] ?? path.join(REPO, '../shared/v2-to-fhir'));
const OUT = path.join(REPO, 'mappings/terminology');

interface TableSpec {
  /** file name and table id */
  readonly id: string;
  /** ConceptMap name: codesystems/HL7 Concept Map_ <csv> - Sheet1.csv */
  readonly csv: string;
  /** the FHIR element the table is for */
  readonly element: string;
  /**
   * Policy for codes without a row. reject: the element is required (1..1) with a required
   * binding, so no valid resource can be made without a mapped code; warn: an optional element
   * with a required binding (the source code is not a valid value there); keep: CodeableConcept
   * or Coding, where the source coding stays beside the mapped one anyway.
   */
  readonly unmapped: UnmappedPolicy;
  /** the table's target system, when it is not simply the one most rows use */
  readonly target?: string;
}

const V2 = 'http://terminology.hl7.org/CodeSystem/v2-';

/** The brief's tables plus those the corpus messages carry (NK1-7, SPM-4, RXR-1, TQ1-9 …). */
const TABLES: readonly TableSpec[] = [
  { id: 'v2-0001', csv: 'AdministrativeSex', element: 'Patient.gender', unmapped: 'reject' },
  { id: 'v2-0002', csv: 'MaritalStatus', element: 'Patient.maritalStatus', unmapped: 'keep' },
  // 4 rows go to v3-ActCode, 5 keep the v2-0004 code: the table is "for" ActCode (Encounter.class binding)
  { id: 'v2-0004', csv: 'PatientClass[EncounterClass]', element: 'Encounter.class', unmapped: 'keep', target: 'http://terminology.hl7.org/CodeSystem/v3-ActCode' },
  { id: 'v2-0004-encounter-status', csv: 'PatientClass[EncounterStatus]', element: 'Encounter.status', unmapped: 'reject' },
  { id: 'v2-0007', csv: 'AdmissionType', element: 'Encounter.type', unmapped: 'keep' },
  { id: 'v2-0063', csv: 'Relationship', element: 'Patient.contact.relationship, RelatedPerson.relationship', unmapped: 'keep' },
  { id: 'v2-0078', csv: 'InterpretationCodes', element: 'Observation.interpretation', unmapped: 'keep' },
  { id: 'v2-0085', csv: 'ObservationResultStatusCodesInterpretation', element: 'Observation.status', unmapped: 'reject' },
  // ORC-1 codes such as RE (observations to follow) have no status: warn, and let the mapping give a default
  { id: 'v2-0119', csv: 'OrderControlCode[ServiceRequest.status]', element: 'ServiceRequest.status', unmapped: 'warn' },
  { id: 'v2-0123', csv: 'ResultStatus[Non-Queries]', element: 'DiagnosticReport.status', unmapped: 'reject' },
  { id: 'v2-0127', csv: 'AllergenType[AllergyIntoleranceCategory]', element: 'AllergyIntolerance.category', unmapped: 'warn' },
  { id: 'v2-0127-type', csv: 'AllergyType', element: 'AllergyIntolerance.type', unmapped: 'warn' },
  { id: 'v2-0128', csv: 'AllergySeverity[AllergyIntolerance.criticality]', element: 'AllergyIntolerance.criticality', unmapped: 'warn' },
  { id: 'v2-0128-reaction-severity', csv: 'AllergySeverity[AllergyIntolerance.reaction.severity]', element: 'AllergyIntolerance.reaction.severity', unmapped: 'warn' },
  { id: 'v2-0131', csv: 'ContactRole', element: 'Patient.contact.relationship', unmapped: 'keep' },
  { id: 'v2-0136', csv: 'YesNoIndicator', element: 'boolean elements (Y/N)', unmapped: 'warn' },
  { id: 'v2-0162', csv: 'RouteOfAdministration', element: 'Immunization.route, Dosage.route', unmapped: 'keep' },
  { id: 'v2-0190-use', csv: 'AddressType[Use]', element: 'Address.use', unmapped: 'warn' },
  { id: 'v2-0190-type', csv: 'AddressType[Type]', element: 'Address.type', unmapped: 'warn' },
  { id: 'v2-0200', csv: 'NameType', element: 'HumanName.use', unmapped: 'warn' },
  { id: 'v2-0201', csv: 'TelecommunicationUseCode', element: 'ContactPoint.use', unmapped: 'warn' },
  { id: 'v2-0202', csv: 'TelecommunicationEquipmentType', element: 'ContactPoint.system (CP: ContactPoint.use)', unmapped: 'warn' },
  { id: 'v2-0203', csv: 'IdentifierType', element: 'Identifier.type', unmapped: 'keep' },
  { id: 'v2-0276', csv: 'AppointmentReasonCodes', element: 'Appointment.reasonCode', unmapped: 'keep' },
  { id: 'v2-0278', csv: 'FillerStatusCodes[Appointment]', element: 'Appointment.status', unmapped: 'reject' },
  { id: 'v2-0322', csv: 'CompletionStatus', element: 'Immunization.status', unmapped: 'reject' },
  { id: 'v2-0360', csv: 'DegreeLicenseCertificate', element: 'Practitioner.qualification.code', unmapped: 'keep' },
  { id: 'v2-0444', csv: 'NameAssemblyOrder', element: 'HumanName extension humanname-assembly-order', unmapped: 'warn' },
  { id: 'v2-0485', csv: 'ExtendedPriorityCodes', element: 'ServiceRequest.priority', unmapped: 'warn' },
  { id: 'v2-0487', csv: 'SpecimenType', element: 'Specimen.type', unmapped: 'keep' },
  // shipped mappings (docs/mapping-coverage.md): ADT event → Encounter.status, ORC-5, DG1-6
  { id: 'v2-0003-encounter-status', csv: 'Event[EncounterStatus]', element: 'Encounter.status (by ADT event, MSH-9.2)', unmapped: 'warn' },
  { id: 'v2-0038', csv: 'OrderStatus', element: 'ServiceRequest.status (ORC-5)', unmapped: 'warn' },
  { id: 'v2-0052', csv: 'DiagnosisType', element: 'Encounter.diagnosis.use', unmapped: 'keep' },
  { id: 'v2-0074', csv: 'DiagnosticServiceSectionID', element: 'DiagnosticReport.category (OBR-24)', unmapped: 'keep' },
  { id: 'v2-0163', csv: 'BodySite', element: 'Immunization.site (RXR-2)', unmapped: 'keep' },
  { id: 'v2-0272', csv: 'DocumentConfidentialityStatus', element: 'DocumentReference.securityLabel (TXA-18)', unmapped: 'keep' },
  { id: 'v2-0277', csv: 'AppointmentTypeCodes', element: 'Appointment.appointmentType (SCH-8)', unmapped: 'keep' },
  { id: 'v2-0488', csv: 'SpecimenCollectionMethod', element: 'Specimen.collection.method', unmapped: 'keep' },
  { id: 'v2-0493', csv: 'SpecimenCondition', element: 'Specimen.condition', unmapped: 'keep' },
];

/** The tables the datatype conversions apply themselves (XPN.7, XAD.7, XTN.2/3, CX.5, XCN.7, XPN.11). */
const BUILTIN: readonly { readonly name: string; readonly id: string; readonly doc: string }[] = [
  { name: 'NAME_USE', id: 'v2-0200', doc: 'XPN.7 / XCN.10 name type → HumanName.use' },
  { name: 'ADDRESS_USE', id: 'v2-0190-use', doc: 'XAD.7 address type → Address.use' },
  { name: 'ADDRESS_TYPE', id: 'v2-0190-type', doc: 'XAD.7 address type → Address.type' },
  { name: 'TELECOM_USE', id: 'v2-0201', doc: 'XTN.2 telecommunication use → ContactPoint.use' },
  { name: 'TELECOM_EQUIPMENT', id: 'v2-0202', doc: 'XTN.3 equipment type → ContactPoint.system (system …/contact-point-use: a use, CP → mobile)' },
  { name: 'IDENTIFIER_TYPE', id: 'v2-0203', doc: 'CX.5 / XCN.13 / XON.7 identifier type → Identifier.type' },
  { name: 'DEGREE', id: 'v2-0360', doc: 'XCN.7 degree → Practitioner.qualification.code' },
  { name: 'NAME_ASSEMBLY_ORDER', id: 'v2-0444', doc: 'XPN.11 / XCN.18 → humanname-assembly-order' },
];

interface Row {
  readonly code: string;
  readonly text: string;
  readonly table: string;
  readonly condition: string;
  readonly target: string;
  readonly display: string;
  readonly system: string;
  readonly comment: string;
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

function csvFile(name: string): string {
  return `HL7 Concept Map_ ${name} - Sheet1.csv`;
}

/**
 * Columns: 0 code, 1 text, 2 v2 code system, 3 condition, 6 FHIR code, 7 (unnamed), 8 display,
 * 9 FHIR system, 11 comments. Some sheets (PatientClass) put the display in column 7; a few
 * (OrderStatus) have no unnamed column, so display and system sit one column to the left: the
 * second header row says which, and is read for the display and system columns.
 * Two header rows.
 */
function readRows(name: string): Row[] {
  const all = parseCsv(readFileSync(path.join(IG, 'codesystems', csvFile(name)), 'utf8'));
  const header = (all[1] ?? []).map((h) => h.trim());
  const compact = header[7] === 'Display'; // …,Code,Display,Code System (no unnamed column)
  const systemAt = compact ? 8 : 9;
  return all
    .slice(2)
    .filter((r) => (r[0] ?? '').trim() !== '')
    .map((r) => ({
      code: r[0].trim(), // InterpretationCodes writes "< " and "> "
      text: (r[1] ?? '').trim(),
      table: (r[2] ?? '').trim(),
      condition: (r[3] ?? '').trim(),
      target: (r[6] ?? '').trim(),
      display: compact ? (r[7] ?? '').trim() : ((r[8] ?? '').trim() || (r[7] ?? '').trim()),
      system: (r[systemAt] ?? '').trim(),
      comment: (r[compact ? 10 : 11] ?? '').trim(),
    }));
}

/** The v2 table a sheet maps from (column 2: HL70001; also HL7-0354, HL0207). */
function v2Table(rows: readonly Row[], name: string): string {
  const digits = /(\d{3,4})$/.exec(rows.find((r) => r.table !== '')?.table ?? '');
  if (!digits) throw new Error(`${name}: no v2 table number in column 3`);
  return digits[1].padStart(4, '0');
}

/** Most rows' system becomes the table's target; rows with another system name theirs. */
function mainSystem(rows: readonly Row[]): string | undefined {
  const counts = new Map<string, number>();
  for (const r of rows) if (r.target !== '' && r.system !== '') counts.set(r.system, (counts.get(r.system) ?? 0) + 1);
  let best: string | undefined;
  for (const [s, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = s;
  return best;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9 ._/()'-]*[A-Za-z0-9._)]$|^[A-Za-z]$/;
const YAML_WORDS = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n', '~']);

/** A YAML 1.2 scalar: plain when unambiguous, else JSON-quoted (a valid YAML double-quoted string). */
function scalar(s: string): string {
  return PLAIN.test(s) && !YAML_WORDS.has(s.toLowerCase()) && !s.includes(': ') && !s.includes(' #') ? s : JSON.stringify(s);
}

function comment(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

interface Generated {
  readonly spec: TableSpec;
  readonly codes: Map<string, { code: string; display?: string; system?: string }>;
  readonly target: string | undefined;
}

function generate(spec: TableSpec, commit: string): Generated {
  const rows = readRows(spec.csv);
  const table = v2Table(rows, spec.csv);
  const target = spec.target ?? mainSystem(rows);
  const lines: string[] = [
    `# Generated by scripts/import-ig-tables.ts from the HL7 v2-to-FHIR IG; do not edit, re-run the script.`,
    `# Source: mappings/codesystems/${csvFile(spec.csv)}`,
    `#         https://github.com/HL7/v2-to-fhir, commit ${commit}. Licence: Apache-2.0 (the IG repository's LICENSE).`,
    `# yaml-language-server: $schema=./code-table.schema.json`,
    `id: ${spec.id}`,
    `description: ${scalar(`HL7 table ${table} → ${spec.element} (IG ConceptMap ${spec.csv})`)}`,
    `source: ${V2}${table}`,
    ...(target === undefined ? [] : [`target: ${target}`]),
    `unmapped: ${spec.unmapped}`,
    'codes:',
  ];
  const codes = new Map<string, { code: string; display?: string; system?: string }>();
  const notes: string[] = [];
  for (const r of rows) {
    if (codes.has(r.code)) throw new Error(`${spec.csv}: code ${r.code} twice`);
    if (r.target === '') {
      notes.push(`  # ${r.code} (${comment(r.text)}): no FHIR code in the IG${r.comment ? ` (${comment(r.comment)})` : ''}${r.condition ? ` [${r.condition}]` : ''}`);
      continue;
    }
    const system = r.system === '' || r.system === target ? undefined : r.system;
    const entry = { code: r.target, ...(r.display === '' ? {} : { display: r.display }), ...(system === undefined ? {} : { system }) };
    codes.set(r.code, entry);
    const simple = system === undefined && (r.display === '' || r.display.toLowerCase() === r.target.toLowerCase());
    const value = simple
      ? scalar(r.target)
      : `{ code: ${scalar(r.target)}${r.display === '' ? '' : `, display: ${scalar(r.display)}`}${system === undefined ? '' : `, system: ${system}`} }`;
    lines.push(`  ${scalar(r.code)}: ${value}${r.text ? `  # ${comment(r.text)}` : ''}`);
  }
  if (notes.length > 0) lines.push('  # Codes of the v2 table without a mapping in the IG (the `unmapped` policy applies):', ...notes);
  writeFileSync(path.join(OUT, `${spec.id}.yaml`), lines.join('\n') + '\n');
  return { spec, codes, target };
}

function writeBuiltins(generated: ReadonlyMap<string, Generated>, commit: string): void {
  const out: string[] = [
    '/**',
    ' * Generated by scripts/import-ig-tables.ts from the HL7 v2-to-FHIR IG ConceptMaps',
    ` * (https://github.com/HL7/v2-to-fhir, commit ${commit}, Apache-2.0); do not edit, re-run the script.`,
    ' * The tables the datatype conversions apply themselves; the same rows as the YAML files of',
    ' * the same id in mappings/terminology (a test checks they agree).',
    ' */',
    '',
    'export interface IgCode {',
    '  readonly code: string;',
    '  readonly display?: string;',
    '  readonly system?: string;',
    '}',
    '',
  ];
  for (const b of BUILTIN) {
    const g = generated.get(b.id);
    if (!g) throw new Error(`builtin ${b.name}: table ${b.id} is not generated`);
    out.push(`/** ${b.doc} (${b.id}, target ${g.target ?? 'per row'}) */`);
    out.push(`export const ${b.name}: ReadonlyMap<string, IgCode> = new Map<string, IgCode>([`);
    for (const [code, to] of g.codes) {
      const system = to.system ?? g.target;
      const display = to.display === undefined ? '' : `, display: ${JSON.stringify(to.display)}`;
      out.push(`  [${JSON.stringify(code)}, { code: ${JSON.stringify(to.code)}${display}${system === undefined ? '' : `, system: ${JSON.stringify(system)}`} }],`);
    }
    out.push(']);', '');
  }
  writeFileSync(path.join(REPO, 'src/mapping/hl7v2/datatypes/ig-codes.ts'), out.join('\n'));
}

function igCommit(): string {
  const source = readFileSync(path.join(IG, 'SOURCE.md'), 'utf8');
  const commit = /commit\s+([0-9a-f]{7,40})/.exec(source)?.[1];
  if (commit === undefined) throw new Error(`${IG}/SOURCE.md names no commit`);
  return commit;
}

function main(): void {
  const commit = igCommit();
  const generated = new Map<string, Generated>();
  for (const spec of TABLES) {
    generated.set(spec.id, generate(spec, commit));
    console.log(`mappings/terminology/${spec.id}.yaml  ${generated.get(spec.id)?.codes.size} codes  (${spec.csv})`);
  }
  writeBuiltins(generated, commit);
  console.log('src/mapping/hl7v2/datatypes/ig-codes.ts');
  writeFileSync(path.join(OUT, 'code-table.schema.json'), JSON.stringify(codeTableSchema, null, 2) + '\n');
  console.log('mappings/terminology/code-table.schema.json');
}

main();
