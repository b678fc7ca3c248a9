/**
 * A separate OS process delivering DICOM objects' Bundles with the real fhir destination,
 * to every FHIR server named (as an engine's two destinations would), for the multi-process
 * study-merge proof (test/proofs/study-merge.test.ts).
 *
 *   node --import tsx test/support/study-deliverer.ts '<json: { urls, objects, merge, concurrency }>'
 *
 * Prints one JSON line `{ delivered, retried }` and exits 0, or prints the error and exits 1.
 */
import { fhirDestination, type FhirDestinationConfig } from '../../src/destinations/fhir.js';
import { silentLogger } from '../../src/log.js';
import { deliverAll, type StudyObject } from './imaging-study.js';

interface Job {
  readonly urls: readonly string[];
  readonly objects: readonly StudyObject[];
  readonly merge: FhirDestinationConfig['merge'];
  readonly concurrency: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const tally = { delivered: 0, retried: 0 };
try {
  await Promise.all(
    job.urls.map(async (url, index) => {
      const config: FhirDestinationConfig = { url, timeout: 30_000, headers: {}, tls: {}, prefer: 'minimal', merge: job.merge };
      const destination = fhirDestination.create(config, { channelId: 'pacs', name: `fhir-${index}`, log: silentLogger });
      try {
        await deliverAll(destination, job.objects, job.concurrency, tally);
      } finally {
        await destination.close();
      }
    }),
  );
  process.stdout.write(`${JSON.stringify(tally)}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  process.exitCode = 1;
}
