// Converts fixtures/hl7/oru-r01-30obx.hl7 N times with MAPPING (default mappings/oru-r01.yaml),
// no validation, from the built dist/: the workload bench/instructions.sh counts.
import { readFileSync } from 'node:fs';
import { parseMessage } from '../dist/hl7/index.js';
import { loadMapping } from '../dist/mapping/index.js';

const file = process.env.MAPPING ?? 'mappings/oru-r01.yaml';
const { mapping, diagnostics } = await loadMapping(file, { mappingsDir: 'mappings' });
if (mapping === undefined) throw new Error(`${file}: ${diagnostics.map((d) => d.message).join('; ')}`);
const text = readFileSync('fixtures/hl7/oru-r01-30obx.hl7', 'utf8').replace(/\r\n|\n/g, '\r');
const n = Number(process.env.N ?? 3000);
let entries = 0;
for (let i = 0; i < n; i++) entries += mapping.convertSync(parseMessage(text), { validate: false }).bundle.entry?.length ?? 0;
console.log(`${n} conversions, ${entries} entries`);
