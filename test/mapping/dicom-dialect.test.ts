/**
 * The DICOM dialect of the mapping language (`input: dicom`, docs/mapping-language.md "Input
 * dialects"): paths by keyword and tag, values of multi-valued attributes, sequence items, person
 * name components, StudyDate + StudyTime, codes through tables, `when:`, `forEach:`, `key:`, and
 * errors that say where — the mapping file's line:column at load, the attribute at run. Then the
 * shipped dicom-imagingstudy mapping on real objects (fixtures/dicom, read with src/dicom).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, ImagingStudy, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { entryOfKeyword, readDicom, type DicomJson } from '../../src/dicom/index.js';
import { checkResource } from '../../src/fhir/validate.js';
import type { DicomPayload } from '../../src/kinds/types.js';
import { compiled, failure, inline } from './dialect-support.js';
import { only, resources, ROOT } from './support.js';
import { shipped, TIMEZONE } from '../mappings/support.js';

type Value = string | number | { Alphabetic: string } | DicomJson;

/** A data set from keywords (their VR from the PS3.6 dictionary): `{ PatientID: 'P1', ImageType: ['ORIGINAL', 'PRIMARY'] }`. */
function dataset(attrs: Readonly<Record<string, Value | readonly Value[]>>): DicomJson {
  const out: Record<string, { vr: string; Value: unknown[] }> = {};
  for (const [keyword, value] of Object.entries(attrs)) {
    const entry = entryOfKeyword(keyword);
    if (entry === undefined) throw new Error(`no keyword ${keyword}`);
    const values = (Array.isArray(value) ? value : [value]) as Value[];
    out[entry.tag] = { vr: entry.vr, Value: entry.vr === 'PN' ? values.map((v) => (typeof v === 'string' ? { Alphabetic: v } : v)) : values };
  }
  return out as DicomJson;
}

const payload = (attrs: Readonly<Record<string, Value | readonly Value[]>>): DicomPayload => ({ kind: 'dicom', dataset: dataset(attrs) });

function fixture(name: string): DicomPayload {
  return { kind: 'dicom', dataset: readDicom(readFileSync(path.join(ROOT, 'fixtures/dicom', name)), { source: name }).dataset };
}

const HEAD = `id: dicom-test
input: dicom
identifierSystems:
  BVBM: https://sid.example.org/vn/bach-mai/mrn
`;

describe('DICOM paths', () => {
  it('read an attribute by keyword, by tag in both spellings, and one value of a multi-valued attribute by index', async () => {
    const m = await compiled(`${HEAD}resources:
  - name: study
    type: ImagingStudy
    key: (0020,000D)
    set:
      status: { value: available }
      subject.display: '00100020'
      description: ImageType[2]
      note:
        - set: { text: "ImageType[3]" }
      modality:
        - { from: ModalitiesInStudy, all: true }
`);
    const { bundle } = m.convertSync(payload({ StudyInstanceUID: '1.2.3', PatientID: 'P-7', ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'], ModalitiesInStudy: ['CT', 'SR'] }), { timezone: TIMEZONE });
    const study = only<ImagingStudy>(bundle, 'ImagingStudy');
    expect(study.identifier).toEqual([{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' }]);
    expect(study.subject).toEqual({ display: 'P-7' });
    expect(study.description).toBe('PRIMARY');
    expect(study.note).toEqual([{ text: 'AXIAL' }]);
    expect(study.modality).toEqual([{ code: 'CT' }, { code: 'SR' }]);
  });

  it('read inside sequence items: an item by index, every item, and forEach over a sequence with the data set beyond the item', async () => {
    const m = await compiled(`${HEAD}resources:
  - name: study
    type: ImagingStudy
    key: StudyInstanceUID
    set:
      status: { value: available }
      subject.display: { value: test }
      description: ReferencedSeriesSequence[2].SeriesInstanceUID
      note:
        - set: { text: { from: ReferencedSeriesSequence.SeriesInstanceUID, all: false } }
      series:
        - forEach: ReferencedSeriesSequence
          set:
            uid: SeriesInstanceUID
            modality: { from: Modality, default: { system: "http://dicom.nema.org/resources/ontology/DCM" } }
            instance:
              - forEach: ReferencedSOPSequence
                set:
                  uid: ReferencedSOPInstanceUID
                  sopClass: ReferencedSOPClassUID
`);
    const { bundle } = m.convertSync(
      payload({
        StudyInstanceUID: '1.2.3',
        Modality: 'MR',
        ReferencedSeriesSequence: [
          dataset({ SeriesInstanceUID: '1.2.3.1', ReferencedSOPSequence: [dataset({ ReferencedSOPInstanceUID: '1.2.3.1.1', ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.4' })] }),
          dataset({
            SeriesInstanceUID: '1.2.3.2',
            ReferencedSOPSequence: [dataset({ ReferencedSOPInstanceUID: '1.2.3.2.1', ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.4' }), dataset({ ReferencedSOPInstanceUID: '1.2.3.2.2', ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.4' })],
          }),
        ],
      }),
      { timezone: TIMEZONE },
    );
    const study = only<ImagingStudy>(bundle, 'ImagingStudy');
    expect(study.description).toBe('1.2.3.2');
    expect(study.note).toEqual([{ text: '1.2.3.1' }]);
    const mr = { code: 'MR', system: 'http://dicom.nema.org/resources/ontology/DCM' };
    const sopClass = { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.4' };
    expect(study.series).toEqual([
      { uid: '1.2.3.1', modality: mr, instance: [{ uid: '1.2.3.1.1', sopClass }] },
      { uid: '1.2.3.2', modality: mr, instance: [{ uid: '1.2.3.2.1', sopClass }, { uid: '1.2.3.2.2', sopClass }] },
    ]);
  });

  it('read a person name whole (family, given, middle, prefix, suffix) and by component', async () => {
    const m = await compiled(`${HEAD}resources:
  - name: patient
    type: Patient
    key: PatientID
    set:
      name:
        - PatientName
        - set:
            family: PatientName.family
            given: [PatientName.given, PatientName.middle]
            text: { join: [PatientName.prefix, PatientName.given, PatientName.family] }
      contact:
        - set: { name: PatientMotherBirthName }
`);
    const { bundle } = m.convertSync(payload({ PatientID: 'P1', PatientName: 'Nguyễn^Thị^Ánh Tuyết^Bà^', PatientMotherBirthName: 'Trần^Lan' }));
    const patient = only<Patient>(bundle, 'Patient');
    expect(patient.name).toEqual([
      { family: 'Nguyễn', given: ['Thị', 'Ánh Tuyết'], prefix: ['Bà'] },
      { family: 'Nguyễn', given: ['Thị', 'Ánh Tuyết'], text: 'Bà Thị Nguyễn' },
    ]);
    expect(patient.contact).toEqual([{ name: { family: 'Trần', given: ['Lan'] } }]);
  });

  it('read StudyDate + StudyTime as one date-time: in the channel time zone, else the object’s TimezoneOffsetFromUTC, else UTC with a warning; a date alone stays a date', async () => {
    const m = await compiled(`${HEAD}resources:
  - name: study
    type: ImagingStudy
    key: StudyInstanceUID
    set:
      status: { value: available }
      subject.display: { value: test }
      started: StudyDate + StudyTime
      series:
        - set:
            uid: SeriesInstanceUID
            modality: { value: { code: CT } }
            started: SeriesDate + SeriesTime
`);
    const convert = (attrs: Readonly<Record<string, Value>>, timezone?: string): { started: string | undefined; series: string | undefined; warnings: readonly string[] } => {
      const { bundle, warnings } = m.convertSync(payload({ StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.4', ...attrs }), timezone === undefined ? {} : { timezone });
      const study = only<ImagingStudy>(bundle, 'ImagingStudy');
      return { started: study.started, series: study.series?.[0]?.started, warnings };
    };
    expect(convert({ StudyDate: '20261207', StudyTime: '143005.25' }, TIMEZONE)).toEqual({ started: '2026-12-07T14:30:05.25+07:00', series: undefined, warnings: [] });
    expect(convert({ StudyDate: '20261207', StudyTime: '1430', TimezoneOffsetFromUTC: '+0100' })).toEqual({ started: '2026-12-07T14:30:00+01:00', series: undefined, warnings: [] });
    const utc = convert({ StudyDate: '20261207', StudyTime: '09' });
    expect(utc.started).toBe('2026-12-07T09:00:00+00:00');
    expect(utc.warnings).toEqual(['the data set, StudyDate + StudyTime: a time without offset is read as UTC: set transform.timezone (or --timezone)']);
    expect(convert({ StudyDate: '20261207', SeriesDate: '20261208', SeriesTime: '07:05:00' }, TIMEZONE)).toEqual({ started: '2026-12-07', series: '2026-12-08T07:05:00+07:00', warnings: [] });
  });

  it('map codes through tables: an inline table to a Coding, a shipped one to a code, and an unmapped code under reject fails naming the attribute and the code', async () => {
    const m = await compiled(`${HEAD}tables:
  modality:
    unmapped: reject
    codes:
      CT: { system: "http://dicom.nema.org/resources/ontology/DCM", code: CT, display: Computed Tomography }
      MR: { system: "http://dicom.nema.org/resources/ontology/DCM", code: MR, display: Magnetic Resonance }
resources:
  - name: patient
    type: Patient
    key: PatientID
    set:
      gender: { from: PatientSex, map: v2-0001, unmapped: drop }
  - name: study
    type: ImagingStudy
    key: StudyInstanceUID
    set:
      status: { value: available }
      subject.display: { value: test }
      modality: { from: Modality, map: modality }
`);
    const { bundle } = m.convertSync(payload({ PatientID: 'P1', PatientSex: 'F', StudyInstanceUID: '1.2.3', Modality: 'CT' }));
    expect(only<Patient>(bundle, 'Patient').gender).toBe('female');
    expect(only<ImagingStudy>(bundle, 'ImagingStudy').modality).toEqual([{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT', display: 'Computed Tomography' }]);
    const dropped = m.convertSync(payload({ PatientID: 'P1', PatientSex: 'X', StudyInstanceUID: '1.2.3', Modality: 'MR' }));
    expect(only<Patient>(dropped.bundle, 'Patient').gender).toBeUndefined();
    expect(dropped.warnings.join('\n')).toMatch(/PatientSex: code "X" is not in table v2-0001; left out \(Patient\.gender\)/);
    expect(failure(() => m.convertSync(payload({ PatientID: 'P1', StudyInstanceUID: '1.2.3', Modality: 'US' })))).toMatch(/^MEDIBUS_ERR_MAPPING_UNMAPPED_CODE: the data set, Modality: code "US" is not in table modality/);
  });

  it('when: skips a resource or a rule, compared as text', async () => {
    const m = await compiled(`${HEAD}resources:
  - name: study
    type: ImagingStudy
    key: StudyInstanceUID
    when: { not: { path: Modality, in: [SR, PR, KO] } }
    set:
      status: { value: available }
      subject.display: { value: test }
      basedOn:
        - when: { exists: AccessionNumber }
          set: { identifier.value: AccessionNumber }
      description: { from: StudyDescription, when: { path: SeriesNumber, equals: 1 } }
`);
    const study = (attrs: Readonly<Record<string, Value>>): ImagingStudy[] => resources<ImagingStudy>(m.convertSync(payload({ StudyInstanceUID: '1.2.3', ...attrs })).bundle, 'ImagingStudy');
    expect(study({ Modality: 'SR' })).toEqual([]);
    const [ct] = study({ Modality: 'CT', AccessionNumber: 'ACC1', StudyDescription: 'Chest', SeriesNumber: 1 });
    expect([ct?.basedOn, ct?.description]).toEqual([[{ identifier: { value: 'ACC1' } }], 'Chest']);
    const [other] = study({ Modality: 'CT', StudyDescription: 'Chest', SeriesNumber: 2 });
    expect([other?.basedOn, other?.description]).toEqual([undefined, undefined]);
  });

  it('key: a UID is urn:dicom:uid; an issuer names the system through identifierSystems (else urn:medibus:authority); without one, the institution numbers it; forEach makes one resource per item, read in the item first', async () => {
    const m = await compiled(`${HEAD}resources:
  - name: patient
    type: Patient
    key: { system: { from: IssuerOfPatientID, type: authority }, value: PatientID }
    set:
      birthDate: PatientBirthDate
  - name: other
    type: Patient
    forEach: OtherPatientIDsSequence
    key: { system: { from: IssuerOfPatientID, type: authority }, value: PatientID }
    set:
      birthDate: PatientBirthDate
  - name: study
    type: ImagingStudy
    key: StudyInstanceUID
    set:
      status: { value: available }
      subject: { ref: patient }
`);
    const { bundle } = m.convertSync(
      payload({
        PatientID: 'BM-1',
        IssuerOfPatientID: 'BVBM',
        PatientBirthDate: '19850312',
        StudyInstanceUID: '1.2.3',
        InstitutionName: 'Bach Mai',
        OtherPatientIDsSequence: [dataset({ PatientID: '079185000001', IssuerOfPatientID: 'BCA-X' }), dataset({ PatientID: 'CR-9' })],
      }),
    );
    const patients = resources<Patient>(bundle, 'Patient');
    expect(patients.map((p) => [p.identifier?.[0], p.birthDate])).toEqual([
      [{ system: 'https://sid.example.org/vn/bach-mai/mrn', value: 'BM-1' }, '1985-03-12'],
      [{ system: 'urn:medibus:authority:BCA-X', value: '079185000001' }, '1985-03-12'],
      // the item has no issuer: the data set's applies, as the path reads outwards
      [{ system: 'https://sid.example.org/vn/bach-mai/mrn', value: 'CR-9' }, '1985-03-12'],
    ]);
    const study = only<ImagingStudy>(bundle, 'ImagingStudy');
    expect(study.identifier).toEqual([{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' }]);
    expect(study.subject?.reference).toBe(bundle.entry?.[0]?.fullUrl);
    expect(bundle.entry?.[3]?.request).toEqual({ method: 'PUT', url: 'ImagingStudy?identifier=urn:dicom:uid|urn:oid:1.2.3' });

    const noIssuer = m.convertSync(payload({ PatientID: 'P1', StudyInstanceUID: '1.2.3', InstitutionName: 'Bach Mai' })).bundle;
    expect(resources<Patient>(noIssuer, 'Patient')[0]?.identifier).toEqual([{ system: 'urn:medibus:facility:Bach%20Mai:Patient', value: 'P1' }]);
  });
});

describe('DICOM mapping errors say where', () => {
  it('at load: the mapping file’s line:column of the keyword, tag or step that is wrong', async () => {
    const { mapping, diagnostics } = await inline(
      `id: broken
input: dicom
resources:
  - name: patient
    type: Patient
    key: PatientId
    set:
      name: PatientName.famly
      birthDate: (0010,003)
      gender: { from: PatientSex, convert: foo }
      deceasedBoolean: { from: PatientID, type: authority }
  - name: study
    type: ImagingStudy
    key: PID-3
    forEach: PatientID
    set:
      started: StudyDate + StudyDate
      description: StudyDate.family
      subject.display: ReferencedSeriesSequence
      status: PatientAge.SeriesInstanceUID
      numberOfSeries: 00100020
`,
      'broken',
    );
    expect(mapping).toBeUndefined();
    expect(diagnostics).toEqual([
      'broken.yaml:6:10 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].key: unknown DICOM keyword "PatientId" (PS3.6 data dictionary; keywords are case-sensitive) — did you mean "PatientID"?',
      'broken.yaml:8:25 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.name: PatientName is a person name (PN): it has no component "famly"; components are family, given, middle, prefix, suffix — did you mean "family"?',
      'broken.yaml:9:18 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.birthDate: malformed tag "(0010,003)": a tag is (gggg,eeee) with 4 hex digits each, e.g. (0020,000D)',
      'broken.yaml:10:15 error MEDIBUS_ERR_MAPPING_COMPILE resources[0].set.gender: a rule has exactly one of from, value, ref, first, join, set, convert, expr; this one has from and convert',
      expect.stringMatching(/^broken\.yaml:11:\d+ error MEDIBUS_ERR_MAPPING_COMPILE resources\[0\]\.set\.deceasedBoolean/),
      'broken.yaml:14:10 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].key: "PID-3" is an HL7 v2 path; this mapping reads DICOM (input: dicom): name attributes by keyword (PatientID) or tag ((0010,0020))',
      'broken.yaml:15:14 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].forEach: forEach: PatientID — PatientID is LO, not a sequence; forEach iterates over the items of a sequence (SQ)',
      'broken.yaml:17:28 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].set.started: StudyDate is DA, not a time (TM): a date + time pair is a DA + a TM (StudyDate + StudyTime)',
      'broken.yaml:18:30 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].set.description: StudyDate is DA, not a person name (PN): it has no family component',
      expect.stringMatching(/^broken\.yaml:19:\d+ error MEDIBUS_ERR_MAPPING_COMPILE resources\[1\]\.set\["subject\.display"\]: ReferencedSeriesSequence is a sequence: read an attribute of its items/),
      'broken.yaml:20:26 error MEDIBUS_ERR_MAPPING_COMPILE resources[1].set.status: PatientAge is AS, not a sequence (SQ): it has no items to read SeriesInstanceUID from',
      // YAML reads an unquoted all-digit tag as a number: the message says so
      expect.stringMatching(/^broken\.yaml:21:\d+ error MEDIBUS_ERR_MAPPING_COMPILE .*YAML read this as the number 100020: quote it \('00100020'\)/),
    ]);
  });

  it('at run: the attribute being read (the key that is empty, the FHIR that is invalid)', async () => {
    const m = await compiled(`${HEAD}resources:
  - name: study
    type: ImagingStudy
    key: StudyInstanceUID
    set:
      status: { value: available }
      subject.display: { value: test }
      series:
        - forEach: ReferencedSeriesSequence
          set:
            uid: SeriesInstanceUID
            number: SeriesNumber
`);
    expect(failure(() => m.convertSync(payload({ PatientID: 'P1' })))).toBe(
      'MEDIBUS_ERR_MAPPING_RUNTIME: the data set: the key of ImagingStudy "study" (StudyInstanceUID) is empty; a resource needs its business key to be matched on the server',
    );
    // series.modality is required (1..1) in R4: the message names the element and the item it came from
    expect(failure(() => m.convertSync(payload({ StudyInstanceUID: '1.2.3', ReferencedSeriesSequence: [dataset({ SeriesInstanceUID: '1.2.3.1' })] })))).toMatch(/^MEDIBUS_ERR_MAPPING_INVALID_FHIR: the mapping produced invalid FHIR R4:\n {2}ImagingStudy\[0\]\.series\[0\]\.modality: Missing required property \(from the data set\)$/);
    expect(failure(() => m.convertSync({ kind: 'csv', file: 'x.csv', sha256: '0', rows: [{ line: 2, columns: {} }] } as never))).toBe('MEDIBUS_ERR_MAPPING_RUNTIME: mapping dicom-test reads dicom payloads, not csv (input:)');
  });
});

describe('the shipped dicom-imagingstudy mapping on real objects', () => {
  async function convert(p: DicomPayload): Promise<{ bundle: Bundle; patient: Patient; study: ImagingStudy }> {
    const { bundle } = await (await shipped('dicom-imagingstudy')).convert(p, { timezone: TIMEZONE, validate: true });
    expect(checkResource(bundle).filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
    return { bundle, patient: only<Patient>(bundle, 'Patient'), study: only<ImagingStudy>(bundle, 'ImagingStudy') };
  }

  it('CT_small (Explicit VR LE, ISO_IR 100): the study uid, modality, series and instance, the Patient', async () => {
    const { bundle, patient, study } = await convert(fixture('pydicom__CT_small.dcm'));
    expect(bundle.identifier).toEqual({ system: 'urn:dicom:uid', value: 'urn:oid:1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322' });
    expect(study.identifier).toEqual([{ system: 'urn:dicom:uid', value: 'urn:oid:1.3.6.1.4.1.5962.1.2.1.20040119072730.12322' }]);
    expect(study.basedOn).toBeUndefined(); // no AccessionNumber in this object
    expect(study.modality).toEqual([{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }]);
    expect(study.started).toBe('2004-01-19T07:27:30-05:00'); // the object's TimezoneOffsetFromUTC
    expect(study.subject?.reference).toBe(bundle.entry?.[0]?.fullUrl);
    expect(study.series).toEqual([
      expect.objectContaining({
        uid: '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322',
        modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
        instance: [{ uid: '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322', sopClass: { system: 'urn:ietf:rfc:3986', code: 'urn:oid:1.2.840.10008.5.1.4.1.1.2' }, number: 1 }],
      }),
    ]);
    expect(patient.name).toEqual([{ family: 'CompressedSamples', given: ['CT1'] }]);
    // no IssuerOfPatientID: the institution numbers the patient
    expect(patient.identifier).toEqual([{ system: 'urn:medibus:facility:JFK%20IMAGING%20CENTER:Patient', value: '1CT1' }]);
    expect(bundle.entry?.[0]?.request).toEqual({ method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:medibus:facility:JFK%2520IMAGING%2520CENTER:Patient|1CT1' });
  });

  it('MR_small in Explicit LE, Implicit LE and Explicit Big Endian makes the same Bundle', async () => {
    const [explicit, implicit, big] = await Promise.all(['pydicom__MR_small.dcm', 'pydicom__MR_small_implicit.dcm', 'pydicom__MR_small_bigendian.dcm'].map(async (f) => (await convert(fixture(f))).bundle));
    expect(only<ImagingStudy>(explicit!, 'ImagingStudy').modality?.[0]?.code).toBe('MR');
    expect(implicit).toEqual(explicit);
    expect(big).toEqual(explicit);
  });

  it('a Vietnamese patient in ISO_IR 192: name, birth date, sex; ACSN identifier and basedOn; the referrer', async () => {
    const { patient, study } = await convert(fixture('vi-isoir192-patient.dcm'));
    expect(patient.name).toEqual([{ family: 'Nguyễn', given: ['Thị Ánh Tuyết'] }]);
    expect([patient.birthDate, patient.gender]).toEqual(['1985-03-12', 'female']);
    expect(patient.identifier).toEqual([{ system: 'urn:medibus:authority:BV%20Ch%E1%BB%A3%20R%E1%BA%ABy', value: 'VN-PID-42' }]);
    const acsn = { value: 'ACC-VN-0001', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN' }] } };
    expect(study.identifier).toEqual([{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.826.0.1.3680043.10.1338.2.1' }, acsn]);
    expect(study.basedOn).toEqual([{ type: 'ServiceRequest', identifier: acsn }]);
    expect(study.description).toBe('Chụp X-quang ngực thẳng');
    expect(study.referrer).toEqual({ display: 'BS. Văn Minh Trần' });
    expect(study.series?.[0]?.uid).toBe('1.2.826.0.1.3680043.10.1338.3.1');
    expect(study.series?.[0]?.instance?.[0]?.uid).toBe('1.2.826.0.1.3680043.10.1338.1.1');
  });

  it('a patient whose IssuerOfPatientID is in identifierSystems is the Patient the HL7 mappings make (same system, same value)', async () => {
    const object = fixture('pydicom__CT_small.dcm');
    const withIssuer: DicomPayload = { kind: 'dicom', dataset: { ...object.dataset, ...dataset({ IssuerOfPatientID: 'BVBM', PatientID: '24001234' }) } };
    const { patient, bundle } = await convert(withIssuer);
    expect(patient.identifier).toEqual([{ system: 'https://sid.example.org/vn/bach-mai/mrn', value: '24001234' }]);
    expect(bundle.entry?.[0]?.request?.ifNoneExist).toBe('identifier=https://sid.example.org/vn/bach-mai/mrn|24001234');
  });
});
