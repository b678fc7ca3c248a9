/**
 * Mapping benchmark: HL7 v2 messages per second through parse + convert on one core, with and
 * without FHIR validation. Each iteration parses the text again (a parsed message caches what
 * was read, so converting one object twice would flatter the second pass).
 *
 *   ADT^A01: mappings/adt.yaml × fixtures/mapping/adt-a01.hl7 (Patient, Encounter, RelatedPerson,
 *            2 AllergyIntolerance, 2 Practitioner, Location: 8 entries)
 *   ORU^R01: mappings/oru-r01.yaml × fixtures/hl7/oru-r01-30obx.hl7 (2 orders, 30 OBX: 39 entries —
 *            Patient, 2 ServiceRequest, 2 DiagnosticReport, 30 Observation with up to 20
 *            elements each, 2 Specimen, the derived Practitioner and Organization)
 *   ORU^R01, minimal: fixtures/mapping/bench-oru.yaml × the same message (33 entries: Patient,
 *            2 DiagnosticReport, 30 Observation with 7 elements each). The same engine with a
 *            third of the rules: the two rows together show what the rules cost.
 *
 *   npx tsx bench/mapping.ts          (BENCH_QUICK=1 for a short run)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatDiagnostic } from '../src/config/index.js';
import { parseMessage } from '../src/hl7/index.js';
import { loadMapping, type CompiledMapping } from '../src/mapping/index.js';
import { median } from './stats.js';

const root = (relative: string): string => fileURLToPath(new URL(`../${relative}`, import.meta.url));

interface Case {
  readonly name: string;
  readonly mapping: CompiledMapping;
  readonly mappingFile: string;
  readonly text: string;
  readonly entries: number;
}

async function load(name: string, mappingFile: string, input: string): Promise<Case> {
  const { mapping, diagnostics } = await loadMapping(root(mappingFile), { mappingsDir: root('mappings') });
  if (mapping === undefined) throw new Error(`${mappingFile}:\n${diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`);
  const text = readFileSync(root(input), 'utf8').replace(/^\uFEFF/, '').replace(/\r\n|\n/g, '\r');
  const { bundle } = await mapping.convert(parseMessage(text));
  return { name, mapping, mappingFile, text, entries: bundle.entry?.length ?? 0 };
}

let sink = 0;

/** Conversions per second over about `ms` milliseconds. */
function measure(c: Case, validate: boolean, ms: number): number {
  let ops = 0;
  const start = performance.now();
  let now = start;
  const batch = validate ? 5 : 50;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) sink += c.mapping.convertSync(parseMessage(c.text), { validate }).bundle.entry?.length ?? 0;
    ops += batch;
    now = performance.now();
  }
  return ops / ((now - start) / 1000);
}

export async function runMappingBench(): Promise<Record<string, Record<string, string>>> {
  const quick = process.env['BENCH_QUICK'] === '1';
  const runs = quick ? 3 : 7;
  const runMs = quick ? 200 : 500;
  const cases = [
    await load('ADT^A01', 'mappings/adt.yaml', 'fixtures/mapping/adt-a01.hl7'),
    await load('ORU^R01 30 OBX', 'mappings/oru-r01.yaml', 'fixtures/hl7/oru-r01-30obx.hl7'),
    await load('ORU^R01 30 OBX, minimal mapping', 'fixtures/mapping/bench-oru.yaml', 'fixtures/hl7/oru-r01-30obx.hl7'),
  ];
  const rows: Record<string, Record<string, string>> = {};
  for (const c of cases) {
    for (const validate of [false, true]) {
      measure(c, validate, runMs); // warm-up
      const results: number[] = [];
      for (let r = 0; r < runs; r++) results.push(measure(c, validate, runMs));
      const perSecond = median(results);
      rows[`${c.name}${validate ? ', validated' : ''}`] = {
        mapping: c.mappingFile,
        entries: String(c.entries),
        'msg/s': Math.round(perSecond).toLocaleString('en-US'),
        'µs/msg': (1e6 / perSecond).toFixed(0),
        'resources/s': Math.round(perSecond * c.entries).toLocaleString('en-US'),
      };
    }
  }
  console.log(`HL7 v2 → FHIR R4 Bundle, parse + convert, one core (median of ${runs} runs of ${runMs} ms)`);
  console.table(rows);
  if (sink === 42) console.log(''); // keeps the results observable
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMappingBench();
}
