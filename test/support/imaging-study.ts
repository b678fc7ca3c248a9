/**
 * ImagingStudy transaction Bundles shaped like the `dicom-imagingstudy` mapping's output, one
 * per DICOM object, for the study-merge proofs (docs/dicom-study-merge.md). Not the mapping:
 * just the Bundle a fhir destination with `merge: imagingstudy` must take — a Patient
 * (conditional on its identifier) and an ImagingStudy holding ONE series with ONE instance.
 */
import type { Bundle, ImagingStudy } from '@medplum/fhirtypes';
import type { Destination, OutboundMessage } from '../../src/destinations/types.js';
import { MedibusError } from '../../src/errors.js';
import { uuidv5 } from '../../src/util/ids.js';

export const DICOM_UID = 'urn:dicom:uid';
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface StudyObject {
  readonly studyUid: string;
  /** 1-based */
  readonly series: number;
  /** 1-based, within its series */
  readonly instance: number;
}

/** `series` × `instances` objects of one study, in order */
export function studyObjects(studyUid: string, series: number, instances: number): StudyObject[] {
  const out: StudyObject[] = [];
  for (let s = 1; s <= series; s++) for (let i = 1; i <= instances; i++) out.push({ studyUid, series: s, instance: i });
  return out;
}

export const seriesUid = (o: Pick<StudyObject, 'studyUid' | 'series'>): string => `${o.studyUid}.${o.series}`;
export const instanceUid = (o: StudyObject): string => `${o.studyUid}.${o.series}.${o.instance}`;

/** The Bundle of one object; its acquisition time grows with the instance number. */
export function studyObjectBundle(o: StudyObject, patientId = 'BN-0042'): Bundle {
  const patientUrl = `urn:uuid:${uuidv5(`patient ${patientId}`)}`;
  const studyUrl = `urn:uuid:${uuidv5(`study ${instanceUid(o)}`)}`;
  const started = new Date(Date.UTC(2024, 2, 5, 3, o.series * 10 + 0, o.instance)).toISOString();
  const study: ImagingStudy = {
    resourceType: 'ImagingStudy',
    identifier: [{ system: DICOM_UID, value: `urn:oid:${o.studyUid}` }],
    status: 'available',
    subject: { reference: patientUrl },
    started,
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
    numberOfSeries: 1,
    numberOfInstances: 1,
    series: [
      {
        uid: seriesUid(o),
        number: o.series,
        modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
        description: `series ${o.series}`,
        started,
        numberOfInstances: 1,
        instance: [{ uid: instanceUid(o), sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${CT_IMAGE_STORAGE}` }, number: o.instance }],
      },
    ],
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:oid:1.2.3.4.5', value: patientId }], name: [{ family: 'Nguyễn', given: ['Văn An'] }] },
        request: { method: 'PUT', url: `Patient?identifier=${encodeURIComponent(`urn:oid:1.2.3.4.5|${patientId}`)}` },
      },
      {
        fullUrl: studyUrl,
        resource: study,
        request: { method: 'PUT', url: `ImagingStudy?identifier=${encodeURIComponent(`${DICOM_UID}|urn:oid:${o.studyUid}`)}` },
      },
    ],
  };
}

/** Fisher–Yates with a seeded generator (mulberry32), so a failing order can be replayed */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The OutboundMessage the delivery worker would hand a destination for one object's Bundle. */
export function studyMessage(o: StudyObject, attempt = 1): OutboundMessage {
  const bundle = studyObjectBundle(o);
  const bundleJson = Buffer.from(JSON.stringify(bundle), 'utf8');
  return {
    messageId: uuidv5(`message ${instanceUid(o)}`),
    channel: 'pacs',
    kind: 'dicom',
    sourceId: instanceUid(o),
    controlId: '',
    messageType: 'C-STORE',
    bundle,
    bundleJson,
    bundleType: 'transaction',
    entries: bundle.entry?.length ?? 0,
    hl7: '',
    original: { contentType: 'application/dicom+json', bytes: Buffer.from('{}') },
    charset: 'UTF-8',
    attempt,
    receivedAt: new Date('2024-03-05T03:15:00.000Z'),
  };
}

export interface DeliveryTally {
  delivered: number;
  /** retryable failures that were retried, as the delivery worker would */
  retried: number;
}

/**
 * Delivers every object through `destination`, `concurrency` at a time, retrying a retryable
 * failure after a short pause as the delivery worker does (bounded: 100 tries per object). A
 * failure that is not retryable, or the last try's, rejects.
 */
export async function deliverAll(destination: Destination, objects: readonly StudyObject[], concurrency: number, tally: DeliveryTally = { delivered: 0, retried: 0 }): Promise<DeliveryTally> {
  const queue = [...objects];
  const worker = async (): Promise<void> => {
    for (let o = queue.shift(); o !== undefined; o = queue.shift()) {
      for (let attempt = 1; ; attempt++) {
        try {
          await destination.deliver(studyMessage(o, attempt), new AbortController().signal);
          tally.delivered++;
          break;
        } catch (error) {
          if (!(error instanceof MedibusError) || !error.retryable || attempt >= 100) throw error;
          tally.retried++;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * Math.min(attempt, 10)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally;
}
