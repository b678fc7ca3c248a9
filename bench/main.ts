/**
 * `npm run bench`: every benchmark, one after the other, each printing its table with the
 * other libraries side by side. `npm run bench -- parser mapping` runs only those.
 * Figures depend on the machine; compare rows of one run, not runs of different days.
 */
import { runParserBench } from './parser.js';
import { runMllpBench } from './mllp.js';
import { runMappingBench } from './mapping.js';
import { runFhirServerBench } from './fhir-server.js';
import { runE2eBench } from './e2e.js';
import { runCpuStagesBench } from './cpu-stages.js';
import { runTlsBench } from './tls.js';
import { runStoreBench } from './store.js';

const SUITES: Record<string, () => Promise<unknown>> = {
  parser: runParserBench,
  mllp: () => runMllpBench(),
  mapping: runMappingBench,
  'fhir-server': () => runFhirServerBench(),
  e2e: () => runE2eBench(),
  'cpu-stages': () => runCpuStagesBench(),
  tls: () => runTlsBench(),
  store: runStoreBench,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  for (const [name, run] of Object.entries(SUITES)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    process.stdout.write(`\n=== ${name} ===\n`);
    await run();
  }
}

await main();
