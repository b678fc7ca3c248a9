/**
 * `merge: imagingstudy` against the real development FHIR server over HTTP
 * (docs/dicom-study-merge.md): the objects of one study, one Bundle each, delivered in random
 * order by several deliverers at once, end as ONE ImagingStudy with every series and instance.
 */
import type { Bundle, ImagingStudy } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { fhirDestination } from '../../src/destinations/fhir.js';
import { startFhirServer, type RunningFhirServer } from '../../src/fhir-server/index.js';
import { deliverAll, DICOM_UID, instanceUid, seriesUid, shuffled, studyMessage, studyObjects } from '../support/imaging-study.js';
import { cleanup, createDestination, outcome, runCleanup } from './support.js';

afterEach(runCleanup);

const STUDY = '1.2.826.0.1.3680043.8.498.10000000000000000000000000001';

async function server(): Promise<RunningFhirServer> {
  const running = await startFhirServer({ port: 0 });
  cleanup.push(() => running.stop());
  return running;
}

async function studies(fhir: RunningFhirServer): Promise<ImagingStudy[]> {
  const response = await fetch(`${fhir.url}/ImagingStudy?identifier=${encodeURIComponent(`${DICOM_UID}|urn:oid:${STUDY}`)}`);
  const bundle = (await response.json()) as Bundle<ImagingStudy>;
  return (bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? [] : [e.resource]));
}

describe('fhir destination, merge: imagingstudy', () => {
  it('60 objects (3 series × 20) in random order through 6 concurrent deliverers end as one ImagingStudy with 3 series and 60 instances', async () => {
    const fhir = await server();
    const objects = studyObjects(STUDY, 3, 20);
    const order = shuffled(objects, 20261207);
    // three destinations (three connection pools), two deliveries at a time each
    const destinations = [1, 2, 3].map(() => createDestination(fhirDestination, { url: fhir.url, merge: 'imagingstudy' }));
    const queue = [...order];
    const tally = { delivered: 0, retried: 0 };
    await Promise.all(destinations.map((d) => deliverAll(d, queue.splice(0, 20), 2, tally)));
    expect(tally.delivered).toBe(60);

    const [study, ...more] = await studies(fhir);
    expect(more).toHaveLength(0);
    expect(study?.numberOfSeries).toBe(3);
    expect(study?.numberOfInstances).toBe(60);
    expect(study?.series?.map((s) => [s.uid, s.number, s.numberOfInstances, s.instance?.length])).toEqual([1, 2, 3].map((n) => [seriesUid({ studyUid: STUDY, series: n }), n, 20, 20]));
    const uids = new Set(study?.series?.flatMap((s) => s.instance?.map((i) => i.uid) ?? []));
    expect(uids).toEqual(new Set(objects.map(instanceUid)));
    // instances in number order whatever the arrival order; started is the earliest object's
    expect(study?.series?.[0]?.instance?.map((i) => i.number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(study?.started).toBe('2024-03-05T03:10:01.000Z');
    // its subject is the one Patient the Bundles' conditional update wrote
    expect(fhir.repository.counts()).toEqual({ Patient: 1, ImagingStudy: 1 });
    expect(study?.subject?.reference).toMatch(/^Patient\/[0-9a-f-]{36}$/);
  });

  it('delivering an object the study already holds changes nothing: no new version', async () => {
    const fhir = await server();
    const emr = createDestination(fhirDestination, { url: fhir.url, merge: 'imagingstudy' });
    const objects = studyObjects(STUDY, 2, 3);
    await deliverAll(emr, objects, 1);
    const [before] = await studies(fhir);
    for (const o of shuffled(objects, 7)) expect(await outcome(emr.deliver(studyMessage(o, 2), new AbortController().signal))).toBe('delivered');
    const [after, ...more] = await studies(fhir);
    expect(more).toHaveLength(0);
    expect(after?.meta?.versionId).toBe(before?.meta?.versionId);
    expect(after).toEqual(before);
  });

  it('without merge the same 60 deliveries leave a study that lost instances (what the option is for)', async () => {
    const fhir = await server();
    const emr = createDestination(fhirDestination, { url: fhir.url });
    await deliverAll(emr, shuffled(studyObjects(STUDY, 3, 20), 1), 4);
    const found = await studies(fhir);
    const instances = found.reduce((n, s) => n + (s.series ?? []).reduce((m, x) => m + (x.instance?.length ?? 0), 0), 0);
    expect(instances).toBeLessThan(60);
  });

  it('refuses an ImagingStudy without an identifier to find it by, as not retryable', async () => {
    const fhir = await server();
    const emr = createDestination(fhirDestination, { url: fhir.url, merge: 'imagingstudy' });
    const message = studyMessage({ studyUid: STUDY, series: 1, instance: 1 });
    const study = message.bundle?.entry?.[1]?.resource as ImagingStudy;
    delete study.identifier;
    const failed = await outcome(emr.deliver(message, new AbortController().signal));
    expect(failed).toMatchObject({ code: 'MEDIBUS_ERR_DELIVERY_REJECTED', retryable: false });
    expect(JSON.stringify(failed)).toContain('identifier');
    expect(await studies(fhir)).toHaveLength(0);
  });
});
