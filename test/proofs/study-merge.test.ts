/**
 * The study proof of issue 10 (docs/dicom-study-merge.md), across OS processes: 3 series × 20
 * instances of one study, in random order, split between two processes that each deliver
 * with the real fhir destination (`merge: imagingstudy`) to TWO FHIR servers, four at a time →
 * each server holds exactly one ImagingStudy with 3 series and 60 instances. The same run
 * without the merge leaves the servers with a study that lost instances.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle, ImagingStudy } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { startFhirServer, type RunningFhirServer } from '../../src/fhir-server/index.js';
import { DICOM_UID, instanceUid, shuffled, studyObjects, type StudyObject } from '../support/imaging-study.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STUDY = '1.2.826.0.1.3680043.8.498.20000000000000000000000000002';
const stops: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function deliverer(urls: readonly string[], objects: readonly StudyObject[], merge: 'none' | 'imagingstudy'): Promise<{ delivered?: number; retried?: number; error?: string; code: number | null }> {
  const job = JSON.stringify({ urls, objects, merge, concurrency: 4 });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/study-deliverer.ts'), job], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve({ ...(JSON.parse(line) as object), code });
      } catch {
        reject(new Error(`deliverer exited ${code} without a result: ${err.slice(-2000)}`));
      }
    });
  });
}

async function studiesIn(fhir: RunningFhirServer): Promise<ImagingStudy[]> {
  const response = await fetch(`${fhir.url}/ImagingStudy?identifier=${encodeURIComponent(`${DICOM_UID}|urn:oid:${STUDY}`)}`);
  const bundle = (await response.json()) as Bundle<ImagingStudy>;
  return (bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? [] : [e.resource]));
}

const instancesOf = (studies: readonly ImagingStudy[]): string[] => studies.flatMap((s) => (s.series ?? []).flatMap((x) => (x.instance ?? []).map((i) => i.uid)));

async function run(merge: 'none' | 'imagingstudy', seed: number): Promise<{ servers: RunningFhirServer[]; results: Awaited<ReturnType<typeof deliverer>>[] }> {
  const servers = [await startFhirServer({ port: 0 }), await startFhirServer({ port: 0 })];
  for (const s of servers) stops.push(() => s.stop());
  const order = shuffled(studyObjects(STUDY, 3, 20), seed);
  // interleaved halves: both processes work on every series at once
  const halves = [order.filter((_, i) => i % 2 === 0), order.filter((_, i) => i % 2 === 1)];
  const urls = servers.map((s) => s.url);
  const results = await Promise.all(halves.map((half) => deliverer(urls, half, merge)));
  return { servers, results };
}

describe('study merge across processes', () => {
  it('two processes, 60 objects in random order, two FHIR servers → one ImagingStudy with 3 series and 60 instances in each', async () => {
    const { servers, results } = await run('imagingstudy', 42);
    for (const r of results) expect(r).toMatchObject({ code: 0, delivered: 60 });
    const expected = new Set(studyObjects(STUDY, 3, 20).map(instanceUid));
    for (const fhir of servers) {
      const found = await studiesIn(fhir);
      expect(found).toHaveLength(1);
      expect(found[0]?.numberOfSeries).toBe(3);
      expect(found[0]?.numberOfInstances).toBe(60);
      expect(found[0]?.series?.map((s) => s.instance?.length)).toEqual([20, 20, 20]);
      expect(new Set(instancesOf(found))).toEqual(expected);
      expect(fhir.repository.counts()).toEqual({ Patient: 1, ImagingStudy: 1 });
    }
  }, 180_000);

  it('the same run without merge loses instances: the check above can fail', async () => {
    const { servers, results } = await run('none', 42);
    for (const r of results) expect(r).toMatchObject({ code: 0, delivered: 60 });
    for (const fhir of servers) expect(instancesOf(await studiesIn(fhir)).length).toBeLessThan(60);
  }, 180_000);
});
