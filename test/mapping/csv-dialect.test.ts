/**
 * The CSV dialect of the mapping language (`input: csv`, docs/mapping-language.md "Input
 * dialects"): columns by header name (plain and quoted), dates, codes through tables,
 * identifiers (a UID cell, an authority cell, a composite key), empty cells, rows of a group,
 * and errors that say where: a column not in `columns:` at load (line:column), a cell that is not
 * what its element needs at run (line and column name).
 */
import type { AllergyIntolerance, ImagingStudy, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { CsvPayload } from '../../src/kinds/types.js';
import { compiled, failure, inline } from './dialect-support.js';
import { only, resources } from './support.js';

/** A payload of rows (header → cell), numbered from line 2 as under a header row. */
function rows(...cells: readonly Readonly<Record<string, string>>[]): CsvPayload {
  return { kind: 'csv', file: 'export.csv', sha256: 'a'.repeat(64), rows: cells.map((columns, i) => ({ line: i + 2, columns, raw: Object.values(columns).join(',') })) };
}

const PATIENTS = `id: csv-patients
input: csv
identifierSystems:
  BVBM: https://sid.example.org/vn/bach-mai/mrn
tables:
  sex:
    unmapped: drop
    codes: { M: male, F: female, Nam: male, Nữ: female }
resources:
  - name: patient
    type: Patient
    key: { system: "https://example.org/synthea/patient", value: Id }
    set:
      identifier:
        - { from: MRN, default: { system: "https://sid.example.org/vn/bach-mai/mrn" } }
        - { from: '"Mã BHYT"', default: { system: "https://sid.example.org/vn/bhyt" } }
      name:
        - set:
            family: LAST
            given: [FIRST, MIDDLE]
            text: { join: [FIRST, MIDDLE, LAST] }
      gender: { from: GENDER, map: sex }
      birthDate: BIRTHDATE
      deceasedDateTime: DEATHDATE
      address:
        - set: { line: [ADDRESS], city: CITY, postalCode: ZIP }
`;

describe('CSV columns', () => {
  it('read cells by header name (plain and quoted), keep text as written (a ZIP with its leading zero), map codes through a table, leave empty cells out', async () => {
    const m = await compiled(PATIENTS);
    const { bundle, warnings } = m.convertSync(
      rows({ Id: 'p-1', MRN: 'BM-1', 'Mã BHYT': 'DN4010123456789', FIRST: 'Ánh Tuyết', MIDDLE: '', LAST: 'Nguyễn', GENDER: 'Nữ', BIRTHDATE: '1985-03-12', DEATHDATE: '', ADDRESS: '1 Giải Phóng', CITY: 'Hà Nội', ZIP: '07001' }),
      { timezone: 'Asia/Ho_Chi_Minh' },
    );
    const patient = only<Patient>(bundle, 'Patient');
    expect(patient.identifier).toEqual([
      { system: 'https://example.org/synthea/patient', value: 'p-1' },
      { system: 'https://sid.example.org/vn/bach-mai/mrn', value: 'BM-1' },
      { system: 'https://sid.example.org/vn/bhyt', value: 'DN4010123456789' },
    ]);
    expect(patient.name).toEqual([{ family: 'Nguyễn', given: ['Ánh Tuyết'], text: 'Ánh Tuyết Nguyễn' }]);
    expect(patient.gender).toBe('female');
    expect(patient.birthDate).toBe('1985-03-12');
    expect(patient.deceasedDateTime).toBeUndefined();
    expect(patient.address).toEqual([{ line: ['1 Giải Phóng'], city: 'Hà Nội', postalCode: '07001' }]);
    expect(warnings).toEqual([]);
    expect(bundle.identifier).toEqual({ system: 'urn:medibus:csv-row', value: `${'a'.repeat(64)}:2` });
    expect(bundle.entry?.[0]?.request).toEqual({ method: 'PUT', url: 'Patient?identifier=https://example.org/synthea/patient|p-1' });
  });

  it('dates: ISO and compact dates, a date-time with Z, one without offset in the channel zone; a code the table lacks is dropped with a warning naming line and column', async () => {
    const m = await compiled(PATIENTS);
    const convert = (cells: Readonly<Record<string, string>>): { patient: Patient; warnings: readonly string[] } => {
      const { bundle, warnings } = m.convertSync(rows({ Id: 'p-2', MRN: '', 'Mã BHYT': '', FIRST: 'A', MIDDLE: '', LAST: 'B', GENDER: 'M', BIRTHDATE: '1992-05-18', DEATHDATE: '', ADDRESS: '', CITY: '', ZIP: '', ...cells }), { timezone: 'Asia/Ho_Chi_Minh' });
      return { patient: only<Patient>(bundle, 'Patient'), warnings };
    };
    expect(convert({ BIRTHDATE: '19920518' }).patient.birthDate).toBe('1992-05-18');
    expect(convert({ DEATHDATE: '2020-02-01T10:00:00Z' }).patient.deceasedDateTime).toBe('2020-02-01T10:00:00Z');
    expect(convert({ DEATHDATE: '2020-02-01 10:00' }).patient.deceasedDateTime).toBe('2020-02-01T10:00:00+07:00');
    expect(convert({ DEATHDATE: '2020-02' }).patient.deceasedDateTime).toBe('2020-02');
    const x = convert({ GENDER: 'X' });
    expect(x.patient.gender).toBeUndefined();
    expect(x.warnings).toEqual(['line 2, GENDER: code "X" is not in table sex; left out (Patient.gender)']);
  });

  it('a cell that is not what its element needs fails the row with its line and column', async () => {
    const m = await compiled(PATIENTS);
    const base = { Id: 'p-3', MRN: '', 'Mã BHYT': '', FIRST: 'A', MIDDLE: '', LAST: 'B', GENDER: 'M', BIRTHDATE: '', DEATHDATE: '', ADDRESS: '', CITY: '', ZIP: '' };
    expect(failure(() => m.convertSync(rows({ ...base, BIRTHDATE: '18/05/1992' })))).toBe('MEDIBUS_ERR_MAPPING_RUNTIME: line 2, BIRTHDATE: "18/05/1992" is not a date (YYYY-MM-DD)');
    expect(failure(() => m.convertSync(rows({ ...base, DEATHDATE: '2020-13-01' })))).toBe('MEDIBUS_ERR_MAPPING_RUNTIME: line 2, DEATHDATE: "2020-13-01" is not a date or date-time (YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ)');
  });

  it('identifiers: a key of several columns, a UID cell (type: uid), an authority cell (type: authority), forEach: rows over a group', async () => {
    const m = await compiled(`id: csv-studies
input: csv
identifierSystems:
  BVBM: https://sid.example.org/vn/bach-mai/mrn
resources:
  - name: patient
    type: Patient
    mode: create
    key: { system: { from: ISSUER, type: authority }, value: PATIENT }
  - name: study
    type: ImagingStudy
    key: { from: STUDY_UID, type: uid }
    set:
      status: { value: available }
      subject: { ref: patient }
      series:
        - forEach: rows
          set:
            uid: SERIES_UID
            modality: { from: MODALITY_CODE, default: { system: "http://dicom.nema.org/resources/ontology/DCM" } }
            instance:
              - set: { uid: INSTANCE_UID, sopClass: { from: SOP_CODE, type: uid } }
  - name: allergy
    type: AllergyIntolerance
    key: { system: "https://example.org/allergy", value: [PATIENT, CODE, START] }
    set:
      patient: { ref: patient }
      clinicalStatus.coding: [{ value: { system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code: active } }]
      code.coding:
        - { from: CODE, default: { system: "http://snomed.info/sct" } }
`);
    const { bundle } = m.convertSync(
      rows(
        { ISSUER: 'BVBM', PATIENT: 'BM-9', STUDY_UID: '1.2.3', SERIES_UID: '1.2.3.1', MODALITY_CODE: 'DX', INSTANCE_UID: '1.2.3.1.1', SOP_CODE: '1.2.840.10008.5.1.4.1.1.1.1', CODE: '419199007', START: '1998-02-02' },
        { ISSUER: 'BVBM', PATIENT: 'BM-9', STUDY_UID: '1.2.3', SERIES_UID: '1.2.3.2', MODALITY_CODE: 'CT', INSTANCE_UID: '1.2.3.2.1', SOP_CODE: '1.2.840.10008.5.1.4.1.1.2', CODE: '419199007', START: '1998-02-02' },
      ),
    );
    expect(only<Patient>(bundle, 'Patient').identifier).toEqual([{ system: 'https://sid.example.org/vn/bach-mai/mrn', value: 'BM-9' }]);
    const study = only<ImagingStudy>(bundle, 'ImagingStudy');
    expect(study.identifier).toEqual([{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' }]);
    expect(study.series?.map((s) => [s.uid, s.modality.code, s.instance?.[0]?.uid, s.instance?.[0]?.sopClass.code])).toEqual([
      ['1.2.3.1', 'DX', '1.2.3.1.1', 'urn:oid:1.2.840.10008.5.1.4.1.1.1.1'],
      ['1.2.3.2', 'CT', '1.2.3.2.1', 'urn:oid:1.2.840.10008.5.1.4.1.1.2'],
    ]);
    const allergy = only<AllergyIntolerance>(bundle, 'AllergyIntolerance');
    expect(allergy.identifier).toEqual([{ system: 'https://example.org/allergy', value: 'BM-9-419199007-1998-02-02' }]);
    expect(allergy.code?.coding).toEqual([{ code: '419199007', system: 'http://snomed.info/sct' }]);
    expect(allergy.patient.reference).toBe(bundle.entry?.[0]?.fullUrl);
    expect(resources(bundle, 'Patient')).toHaveLength(1);
  });

  it('an empty key cell fails the row with its line and the key', async () => {
    const m = await compiled(PATIENTS);
    expect(failure(() => m.convertSync(rows({ Id: ' ', MRN: '', 'Mã BHYT': '', FIRST: '', MIDDLE: '', LAST: '', GENDER: '', BIRTHDATE: '', DEATHDATE: '', ADDRESS: '', CITY: '', ZIP: '' })))).toBe(
      'MEDIBUS_ERR_MAPPING_RUNTIME: line 2: the key of Patient "patient" (Id) is empty; a resource needs its business key to be matched on the server',
    );
  });
});

describe('CSV mapping errors say where', () => {
  it('at load, with columns: (the export’s header row): a column the header lacks, at its line:column, with a did-you-mean', async () => {
    const { mapping, diagnostics } = await inline(`id: csv-columns
input: csv
columns: [Id, BIRTHDATE, FIRST, LAST, "First Name"]
resources:
  - name: patient
    type: Patient
    key: { system: "https://example.org/p", value: ID }
    set:
      birthDate: BIRTH_DATE
      name:
        - set: { family: LAST, given: ['"First name"'] }
      gender: PID-8
      deceasedBoolean: Date of death
`);
    expect(mapping).toBeUndefined();
    expect(diagnostics).toEqual([
      'csv-columns.yaml:7:52 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].key.value: column "ID" is not in columns: (the export\'s header row) — did you mean "Id"?',
      'csv-columns.yaml:9:18 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.birthDate: column "BIRTH_DATE" is not in columns: (the export\'s header row) — did you mean "BIRTHDATE"?',
      'csv-columns.yaml:11:41 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.name[0].set.given[0]: column "First name" is not in columns: (the export\'s header row) — did you mean "First Name"?',
      'csv-columns.yaml:12:15 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.gender: "PID-8" is an HL7 v2 path; this mapping reads CSV (input: csv): name a column of the header row (PATIENT, or "First Name" quoted)',
      'csv-columns.yaml:13:28 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.deceasedBoolean: column name Date of death has " ": quote names with spaces or other characters (\'"Date of death"\' in YAML)',
    ]);
  });

  it('at run, without columns:, a column the file’s header lacks fails the row naming the column and the header', async () => {
    const m = await compiled(`id: csv-loose
input: csv
resources:
  - name: patient
    type: Patient
    key: { system: "https://example.org/p", value: Id }
    set:
      birthDate: BIRTHDATE
`);
    expect(failure(() => m.convertSync(rows({ Id: 'p-1', BIRTH: '1990-01-01' })))).toBe('MEDIBUS_ERR_MAPPING_RUNTIME: line 2: column "BIRTHDATE" is not in the file\'s header (it has Id, BIRTH)');
  });

  it('columns: is for csv mappings', async () => {
    const { diagnostics } = await inline(`id: dicom-columns
input: dicom
columns: [PatientID]
resources:
  - name: patient
    type: Patient
    key: PatientID
`);
    expect(diagnostics).toEqual(['dicom-columns.yaml:3:1 error MEDIBUS_ERR_MAPPING_COMPILE columns: columns: names the header row of a csv export; a dicom mapping has none']);
  });
});
