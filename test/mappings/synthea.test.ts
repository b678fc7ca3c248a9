/**
 * The shipped Synthea mappings on the Synthea exports in fixtures/csv (ohdsi-tutorial-etl__*,
 * copied from the shared corpus; see fixtures/csv/SOURCES.md): every row converts to valid FHIR,
 * and the resources a user checks are right.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AllergyIntolerance, Bundle, ImagingStudy, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { csvKind } from '../../src/kinds/csv/index.js';
import type { CsvPayload } from '../../src/kinds/types.js';
import { only, ROOT, shipped, TIMEZONE } from './support.js';

async function bundles(mappingId: string, file: string): Promise<Bundle[]> {
  const name = `ohdsi-tutorial-etl__synthea_${file}.csv`;
  const reading = await csvKind.readFile(readFileSync(path.join(ROOT, 'fixtures/csv', name)), name);
  expect(reading.failures).toEqual([]);
  const mapping = await shipped(mappingId);
  return Promise.all(reading.payloads.map(async (p: CsvPayload) => (await mapping.convert(p, { timezone: TIMEZONE, validate: true })).bundle));
}

const SYNTHEA = 'https://github.com/synthetichealth/synthea';

describe('synthea-patients', () => {
  it('every one of the 109 rows is a valid Patient; the first: name, birthDate, gender, identifiers, address', async () => {
    const all = await bundles('synthea-patients', 'patients');
    expect(all).toHaveLength(109);
    const p = only<Patient>(all[0]!, 'Patient');
    expect(p.name).toEqual([{ use: 'official', family: 'Franecki195', given: ['Herbert830'], prefix: ['Mr.'], suffix: ['JD'] }]);
    expect([p.birthDate, p.gender, p.deceasedDateTime]).toEqual(['1992-05-18', 'male', undefined]);
    expect(p.identifier?.map((i) => [i.system, i.value, i.type?.coding?.[0]?.code])).toEqual([
      [SYNTHEA, '07cb2889-a47c-bede-f317-57a3822ec014', undefined],
      ['http://hl7.org/fhir/sid/us-ssn', '999-69-2367', 'SS'],
      ['urn:oid:2.16.840.1.113883.4.3.25', 'S99936489', 'DL'],
      ['http://hl7.org/fhir/sid/passport-USA', 'X66405296X', 'PPN'],
    ]);
    expect(p.address?.[0]?.postalCode).toBe('07001');
    expect(p.maritalStatus?.coding?.[0]?.code).toBe('M');
    expect(all[0]!.entry?.[0]?.request).toEqual({ method: 'PUT', url: `Patient?identifier=${SYNTHEA}|07cb2889-a47c-bede-f317-57a3822ec014` });
    const patients = all.map((b) => only<Patient>(b, 'Patient'));
    expect(patients.filter((x) => x.gender === 'female')).toHaveLength(66);
    expect(patients.filter((x) => x.deceasedDateTime !== undefined)).toHaveLength(9);
    expect(patients.filter((x) => x.name?.some((n) => n.use === 'maiden'))).toHaveLength(40);
  });
});

describe('synthea-allergies', () => {
  it('every one of the 81 rows is a valid AllergyIntolerance for the Patient with the Synthea Id; codes SNOMED CT, RxNorm for medications', async () => {
    const all = await bundles('synthea-allergies', 'allergies');
    expect(all).toHaveLength(81);
    const second = all[1]!;
    const allergy = only<AllergyIntolerance>(second, 'AllergyIntolerance');
    const patient = only<Patient>(second, 'Patient');
    expect(patient.identifier).toEqual([{ system: SYNTHEA, value: '7fa095d4-903c-0ef7-6e31-22bc2abd4b0d' }]);
    expect(second.entry?.[0]?.request).toEqual({ method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYNTHEA}|7fa095d4-903c-0ef7-6e31-22bc2abd4b0d` });
    expect(allergy.patient.reference).toBe(second.entry?.[0]?.fullUrl);
    expect(allergy.code?.coding).toEqual([{ system: 'http://snomed.info/sct', code: '264287008', display: 'Animal dander (substance)' }]);
    expect([allergy.type, allergy.category, allergy.onsetDateTime, allergy.clinicalStatus?.coding?.[0]?.code]).toEqual(['allergy', ['environment'], '1998-02-02', 'active']);
    expect(allergy.reaction).toEqual([{ manifestation: [{ coding: [{ system: 'http://snomed.info/sct', code: '247472004', display: 'Wheal (finding)' }], text: 'Wheal (finding)' }], severity: 'mild' }]);
    const aspirin = all.map((b) => only<AllergyIntolerance>(b, 'AllergyIntolerance')).find((a) => a.code?.text === 'Aspirin');
    expect(aspirin?.code?.coding).toEqual([{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1191', display: 'Aspirin' }]);
  });
});

describe('synthea-imaging-studies', () => {
  it('every one of the 52 rows is a valid ImagingStudy: study id, modality, series uid and body site, instance uid and SOP class', async () => {
    const all = await bundles('synthea-imaging-studies', 'imaging_studies');
    expect(all).toHaveLength(52);
    const study = only<ImagingStudy>(all[0]!, 'ImagingStudy');
    expect(study.identifier).toEqual([{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:f63baa55-2e61-fbac-9a0d-6c2fa710d035' }]);
    expect(study.modality).toEqual([{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'DX', display: 'Digital Radiography' }]);
    expect(study.started).toBe('2008-01-22T15:46:39Z');
    expect(study.series?.map((s) => [s.uid, s.bodySite?.code, s.instance?.map((i) => [i.uid, i.sopClass.code])])).toEqual([
      ['1.2.840.99999999.1.10718064.1201016799052', '40983000', [['1.2.840.99999999.1.1.82577371.1201016799052', 'urn:oid:1.2.840.10008.5.1.4.1.1.1.1']]],
    ]);
    expect(study.subject.reference).toBe(all[0]!.entry?.[0]?.fullUrl);
    expect(only<Patient>(all[0]!, 'Patient').identifier).toEqual([{ system: SYNTHEA, value: '7fa095d4-903c-0ef7-6e31-22bc2abd4b0d' }]);
  });
});
