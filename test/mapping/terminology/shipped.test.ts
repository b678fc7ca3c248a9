/**
 * The shipped tables (generated from the IG ConceptMaps by scripts/import-ig-tables.ts) hold
 * the IG's rows. The expected rows below were read from the IG CSVs by hand, not from the
 * generator's output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as igCodes from '../../../src/mapping/hl7v2/datatypes/ig-codes.js';
import { codeTableSchema, loadCodeTables, SHIPPED_TABLES_DIR, type CodeTable } from '../../../src/mapping/terminology/index.js';

let tables: Map<string, CodeTable>;

beforeAll(async () => {
  const loaded = await loadCodeTables(SHIPPED_TABLES_DIR);
  expect(loaded.diagnostics).toEqual([]);
  tables = loaded.tables;
});

const table = (id: string): CodeTable => {
  const t = tables.get(id);
  if (!t) throw new Error(`no shipped table ${id}`);
  return t;
};

const V2 = 'http://terminology.hl7.org/CodeSystem/v2-';

describe('shipped code tables', () => {
  it('include the tables the mappings need', () => {
    for (const id of [
      'v2-0001', 'v2-0002', 'v2-0004', 'v2-0007', 'v2-0063', 'v2-0078', 'v2-0085', 'v2-0119', 'v2-0123', 'v2-0127', 'v2-0128',
      'v2-0190-use', 'v2-0190-type', 'v2-0200', 'v2-0201', 'v2-0202', 'v2-0203', 'v2-0276', 'v2-0278', 'v2-0322',
      'local-lab-loinc', 'local-diagnosis-icd10', 'local-procedure-snomed',
    ]) {
      expect(tables.has(id), id).toBe(true);
    }
  });

  it.each([
    // [table, v2 code, FHIR code, FHIR system]  — rows of the IG ConceptMap CSVs
    ['v2-0001', 'F', 'female', 'http://hl7.org/fhir/administrative-gender'], // AdministrativeSex
    ['v2-0001', 'A', 'other', 'http://hl7.org/fhir/administrative-gender'],
    ['v2-0001', 'N', 'other', 'http://hl7.org/fhir/administrative-gender'],
    ['v2-0002', 'A', 'L', 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus'], // MaritalStatus: Separated → Legally Separated
    ['v2-0002', 'P', 'T', 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus'],
    ['v2-0002', 'U', 'UNK', 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor'],
    ['v2-0004', 'E', 'EMER', 'http://terminology.hl7.org/CodeSystem/v3-ActCode'], // PatientClass[EncounterClass]
    ['v2-0004', 'O', 'AMB', 'http://terminology.hl7.org/CodeSystem/v3-ActCode'],
    ['v2-0004', 'R', 'R', `${V2}0004`],
    ['v2-0007', 'E', 'E', `${V2}0007`], // AdmissionType
    ['v2-0063', 'SEL', 'ONESELF', 'http://terminology.hl7.org/CodeSystem/v3-RoleCode'], // Relationship
    ['v2-0063', 'EMC', 'C', `${V2}0131`],
    ['v2-0078', '<', '<', 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'], // InterpretationCodes ("< " in the CSV)
    ['v2-0078', 'HH', 'HH', 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'],
    ['v2-0085', 'F', 'final', 'http://hl7.org/fhir/observation-status'], // ObservationResultStatusCodesInterpretation
    ['v2-0085', 'W', 'entered-in-error', 'http://hl7.org/fhir/observation-status'],
    ['v2-0085', 'X', 'cancelled', 'http://hl7.org/fhir/observation-status'],
    ['v2-0119', 'CA', 'active', 'http://hl7.org/fhir/request-status'], // OrderControlCode[ServiceRequest.status]
    ['v2-0119', 'OC', 'revoked', 'http://hl7.org/fhir/request-status'],
    ['v2-0119', 'HR', 'on-hold', 'http://hl7.org/fhir/request-status'],
    ['v2-0123', 'R', 'partial', 'http://hl7.org/fhir/diagnostic-report-status'], // ResultStatus[Non-Queries]
    ['v2-0123', 'I', 'registered', 'http://hl7.org/fhir/diagnostic-report-status'],
    ['v2-0127', 'AA', 'biologic', 'http://hl7.org/fhir/allergy-intolerance-category'], // AllergenType
    ['v2-0128', 'SV', 'high', 'http://hl7.org/fhir/allergy-intolerance-criticality'], // AllergySeverity[criticality]
    ['v2-0128-reaction-severity', 'MO', 'moderate', 'http://hl7.org/fhir/reaction-event-severity'],
    ['v2-0190-use', 'BI', 'billing', 'http://hl7.org/fhir/address-use'], // AddressType[Use]
    ['v2-0190-type', 'SH', 'postal', 'http://hl7.org/fhir/address-type'], // AddressType[Type]
    ['v2-0200', 'R', 'official', 'http://hl7.org/fhir/name-use'], // NameType
    ['v2-0201', 'PRS', 'mobile', 'http://hl7.org/fhir/contact-point-use'], // TelecommunicationUseCode
    ['v2-0202', 'BP', 'pager', 'http://hl7.org/fhir/contact-point-system'], // TelecommunicationEquipmentType
    ['v2-0202', 'CP', 'mobile', 'http://hl7.org/fhir/contact-point-use'],
    ['v2-0203', 'MR', 'MR', `${V2}0203`], // IdentifierType
    ['v2-0203', 'NNxxx', 'NNxxx', `${V2}0203`],
    ['v2-0276', 'FOLLOWUP', '185389009', 'http://snomed.info/sct'], // AppointmentReasonCodes
    ['v2-0278', 'Started', 'checked-in', 'http://hl7.org/fhir/appointmentstatus'], // FillerStatusCodes[Appointment]
    ['v2-0278', 'Deleted', 'entered-in-error', 'http://hl7.org/fhir/appointmentstatus'],
    ['v2-0322', 'PA', 'completed', 'http://hl7.org/fhir/event-status'], // CompletionStatus
    ['v2-0322', 'RE', 'not-done', 'http://hl7.org/fhir/event-status'],
  ])('%s: %s → %s', (id, v2, code, system) => {
    expect(table(id).lookup(v2)).toMatchObject({ code, system });
  });

  it('carries displays where the IG gives them', () => {
    expect(table('v2-0002').lookup('S')).toEqual({ code: 'S', system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', display: 'Never Married' });
    expect(table('v2-0004').lookup('I')).toMatchObject({ display: 'inpatient encounter' }); // display in the sheet's unnamed column
    expect(table('v2-0276').lookup('ROUTINE')).toMatchObject({ display: 'Routine patient disposition, no follow-up planned' });
  });

  it.each([
    ['v2-0078', 'HM'],
    ['v2-0085', 'I'],
    ['v2-0123', 'A'],
    ['v2-0119', 'RE'],
    ['v2-0127', 'MA'],
    ['v2-0128', 'MO'],
    ['v2-0200', 'B'],
    ['v2-0201', 'ORN'],
    ['v2-0276', 'WALKIN'],
    ['v2-0278', 'Blocked'],
  ])('%s has no mapping for %s, as in the IG', (id, v2) => {
    expect(table(id).lookup(v2)).toBeUndefined();
  });

  it('sets the unmapped policy by the target element', () => {
    expect(table('v2-0001').unmapped).toBe('reject');
    expect(table('v2-0085').unmapped).toBe('reject');
    expect(table('v2-0123').unmapped).toBe('reject');
    expect(table('v2-0002').unmapped).toBe('keep');
    expect(table('v2-0200').unmapped).toBe('warn');
  });

  it('checks the sender’s coding system against the table source', () => {
    expect(table('v2-0001').lookup('F', 'HL70001')).toMatchObject({ code: 'female' });
    expect(table('v2-0001').lookup('F', `${V2}0001`)).toMatchObject({ code: 'female' });
    expect(table('v2-0001').lookup('F', 'L')).toBeUndefined();
    expect(table('local-lab-loinc').lookup('HGB', 'L')).toMatchObject({ code: '718-7', system: 'http://loinc.org' });
    expect(table('local-lab-loinc').lookup('HGB', 'LN')).toBeUndefined();
  });

  it('keep the source CSV, the IG commit and the licence in their header', () => {
    for (const [id, csv] of [
      ['v2-0001', 'AdministrativeSex'],
      ['v2-0085', 'ObservationResultStatusCodesInterpretation'],
      ['v2-0119', 'OrderControlCode[ServiceRequest.status]'],
    ]) {
      const text = readFileSync(path.join(SHIPPED_TABLES_DIR, `${id}.yaml`), 'utf8');
      const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
      expect(header).toContain(`HL7 Concept Map_ ${csv} - Sheet1.csv`);
      expect(header).toContain('commit 8c9b414b');
      expect(header).toContain('Apache-2.0');
    }
  });

  it('mark the local tables as examples', () => {
    for (const id of ['local-lab-loinc', 'local-diagnosis-icd10', 'local-procedure-snomed']) {
      expect(readFileSync(path.join(SHIPPED_TABLES_DIR, `${id}.yaml`), 'utf8')).toMatch(/^# EXAMPLE/);
      expect(table(id).description).toMatch(/^EXAMPLE/);
    }
    expect(table('local-diagnosis-icd10').lookup('THA')).toEqual({ code: 'I10', system: 'http://hl7.org/fhir/sid/icd-10', display: 'Essential (primary) hypertension' });
    expect(table('local-procedure-snomed').lookup('APPY')).toMatchObject({ code: '80146002', system: 'http://snomed.info/sct' });
  });
});

describe('generated artefacts agree with their sources', () => {
  it.each([
    ['NAME_USE', 'v2-0200'],
    ['ADDRESS_USE', 'v2-0190-use'],
    ['ADDRESS_TYPE', 'v2-0190-type'],
    ['TELECOM_USE', 'v2-0201'],
    ['TELECOM_EQUIPMENT', 'v2-0202'],
    ['IDENTIFIER_TYPE', 'v2-0203'],
    ['DEGREE', 'v2-0360'],
    ['NAME_ASSEMBLY_ORDER', 'v2-0444'],
  ] as const)('ig-codes %s = %s.yaml', (name, id) => {
    const builtin = igCodes[name];
    expect([...builtin.keys()]).toEqual([...table(id).entries()].map(([code]) => code));
    for (const [code, target] of table(id).entries()) expect(builtin.get(code), code).toMatchObject({ code: target.code, system: target.system });
  });

  it('code-table.schema.json is the schema the loader uses', () => {
    expect(JSON.parse(readFileSync(path.join(SHIPPED_TABLES_DIR, 'code-table.schema.json'), 'utf8'))).toEqual(codeTableSchema);
  });
});
