import type { ImagingStudy } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { mergeImagingStudy, sameStudy, studyIdentifier } from '../../src/fhir/imaging-study-merge.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readDicom } from '../../src/dicom/index.js';
import { entryOfKeyword } from '../../src/dicom/index.js';
import { shipped } from '../mappings/support.js';
import { shuffled, studyObjectBundle, studyObjects, type StudyObject } from '../support/imaging-study.js';

const STUDY = '1.2.826.0.1.3680043.8.498.30000000000000000000000000003';
const studyOf = (o: StudyObject): ImagingStudy => studyObjectBundle(o).entry?.[1]?.resource as ImagingStudy;
const fold = (objects: readonly StudyObject[]): ImagingStudy | undefined => objects.reduce<ImagingStudy | undefined>((held, o) => mergeImagingStudy(held, studyOf(o)), undefined);

describe('mergeImagingStudy', () => {
  it('gives the same study whatever the order of the objects, with counts and the earliest start', () => {
    const objects = studyObjects(STUDY, 3, 5);
    const inOrder = fold(objects);
    for (const seed of [1, 2, 3, 4, 5]) expect(sameStudy(fold(shuffled(objects, seed)) as ImagingStudy, inOrder as ImagingStudy)).toBe(true);
    expect(inOrder?.numberOfSeries).toBe(3);
    expect(inOrder?.numberOfInstances).toBe(15);
    expect(inOrder?.series?.map((s) => s.numberOfInstances)).toEqual([5, 5, 5]);
    expect(inOrder?.started).toBe('2024-03-05T03:10:01.000Z');
    expect(inOrder?.series?.[1]?.started).toBe('2024-03-05T03:20:01.000Z');
  });

  it('changes nothing when the object is already held, and keeps the stored id and meta', () => {
    const held = { ...(fold(studyObjects(STUDY, 2, 2)) as ImagingStudy), id: 'x1', meta: { versionId: 'v7' } };
    const again = mergeImagingStudy(held, studyOf({ studyUid: STUDY, series: 2, instance: 1 }));
    expect(sameStudy(again, held)).toBe(true);
    expect(again.id).toBe('x1');
    expect(again.meta?.versionId).toBe('v7');
  });

  it('keeps the stored value where both have one, and fills what the stored side lacks', () => {
    const stored: ImagingStudy = { ...studyOf({ studyUid: STUDY, series: 1, instance: 1 }), description: 'CT chest', subject: { reference: 'Patient/p1' } };
    const incoming: ImagingStudy = { ...studyOf({ studyUid: STUDY, series: 1, instance: 2 }), description: 'other', referrer: { display: 'Dr Lê' } };
    const merged = mergeImagingStudy(stored, incoming);
    expect(merged.description).toBe('CT chest');
    expect(merged.subject?.reference).toBe('Patient/p1');
    expect(merged.referrer?.display).toBe('Dr Lê');
    expect(merged.modality).toHaveLength(1);
  });

  it('finds the study by its StudyInstanceUID identifier', () => {
    expect(studyIdentifier(studyOf({ studyUid: STUDY, series: 1, instance: 1 }))).toEqual({ system: 'urn:dicom:uid', value: `urn:oid:${STUDY}` });
    // a study stored by an earlier medibus (misspelt system) is found by the same UID, before an ACSN
    const old: ImagingStudy = { resourceType: 'ImagingStudy', status: 'available', subject: {}, identifier: [{ system: 'http://acsn.example.org', value: 'A1' }, { system: 'urn:dietf:rfc:3986', value: `urn:oid:${STUDY}` }] };
    expect(studyIdentifier(old)).toEqual({ system: 'urn:dietf:rfc:3986', value: `urn:oid:${STUDY}` });
    expect(studyIdentifier({ resourceType: 'ImagingStudy', status: 'available', subject: {} })).toBeUndefined();
  });

  it('two Bundles of the shipped dicom-imagingstudy mapping from two instances of one study merge into one ImagingStudy holding both', async () => {
    const mapping = await shipped('dicom-imagingstudy');
    const base = readDicom(readFileSync(path.join(import.meta.dirname, '../../fixtures/dicom/pydicom__CT_small.dcm'))).dataset;
    const tag = (k: string): string => entryOfKeyword(k)!.tag;
    // a second instance of the same study: another SOP Instance UID in a second series
    const second = { ...base, [tag('SOPInstanceUID')]: { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.1338.9.2'] }, [tag('SeriesInstanceUID')]: { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.1338.9.1'] } };
    const studies = await Promise.all([base, second].map(async (dataset) => (await mapping.convert({ kind: 'dicom', dataset }, { timezone: 'Asia/Ho_Chi_Minh' })).bundle.entry?.find((e) => e.resource?.resourceType === 'ImagingStudy')?.resource as ImagingStudy));
    expect(studyIdentifier(studies[0]!)).toEqual(studyIdentifier(studies[1]!));
    expect(studyIdentifier(studies[0]!)?.system).toBe('urn:dicom:uid');
    const merged = mergeImagingStudy(mergeImagingStudy(undefined, studies[0]!), studies[1]!);
    expect([merged.numberOfSeries, merged.numberOfInstances]).toEqual([2, 2]);
    expect(merged.series?.flatMap((s) => s.instance?.map((i) => i.uid) ?? []).sort()).toEqual(['1.2.826.0.1.3680043.10.1338.9.2', '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322']);
    expect(sameStudy(mergeImagingStudy(mergeImagingStudy(undefined, studies[1]!), studies[0]!), merged)).toBe(true);
  });
});
