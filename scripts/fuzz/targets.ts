/**
 * What the fuzzer feeds: each reader of untrusted input, as the engine calls it. A target
 * returns normally for an input it accepts or refuses properly; anything else it lets escape
 * is a crash:
 *  - a thrown error that is not a MedibusError (TypeError, RangeError, a library's own);
 *  - for the YAML loaders, which report problems as diagnostics, any throw at all, or a
 *    diagnostic without a code, or without a line and column when the YAML has a place.
 * A MedibusError without a location is counted apart (a refusal that does not say where).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadChannelFile } from '../../src/config/index.js';
import { readCsv } from '../../src/csv/index.js';
import { readDicom } from '../../src/dicom/index.js';
import { isMedibusError, type MedibusError } from '../../src/errors.js';
import { buildAckText, checkRequired, parseMessage, splitMessages, type Hl7Message } from '../../src/hl7/index.js';
import { loadMapping, loadMappings, type CompiledMapping } from '../../src/mapping/index.js';
import { MllpDecoder } from '../../src/mllp/framing.js';
import { random } from './mutate.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Target {
  readonly name: string;
  /** corpus globs, relative to the repository */
  readonly corpus: readonly string[];
  /**
   * share of the inputs of a run, by what an input costs (ms per input on the development
   * machine: hl7 1.3, mllp 0.24, dicom 1.1, csv 9, channel 8, mapping 12): the fast readers
   * get the most, every reader at least 10,000 in a full run
   */
  readonly weight: number;
  run(input: Buffer, index: number): Promise<void> | void;
}

/** Thrown by a target for a refusal that breaks the contract without being a JS crash. */
export class ContractBreach extends Error {}

/** Every field, repetition, component and subcomponent read, as a mapping would. */
function walk(msg: Hl7Message): number {
  let n = 0;
  for (const seg of msg.segments) {
    for (let f = 1; f <= seg.fieldCount; f++) {
      const field = seg.field(f);
      for (const rep of field.repetitions()) {
        for (let c = 1; c <= rep.componentCount; c++) n += rep.subcomponents(c).join('').length;
      }
    }
  }
  const h = msg.header;
  return n + h.messageType.length + h.controlId.length + h.version.length;
}

const hl7: Target = {
  name: 'hl7 parser',
  corpus: ['fixtures/hl7/**/*.hl7', 'fixtures/mapping/*.hl7'],
  weight: 0.43,
  run(input) {
    const msg = parseMessage(input);
    walk(msg);
    checkRequired(msg);
    buildAckText(msg, { code: 'AA', controlId: 'FUZZ' });
    const split = splitMessages(input);
    for (const m of split.messages) walk(m);
  },
};

let shipped: Promise<CompiledMapping[]> | undefined;

/** What the transform worker does with an accepted message: the shipped mapping for its type, validated. */
const transform: Target = {
  name: 'hl7 mapping',
  corpus: ['fixtures/hl7/**/*.hl7', 'fixtures/mapping/*.hl7'],
  weight: 0.02,
  async run(input) {
    const mappings = await (shipped ??= loadMappings(path.join(ROOT, 'mappings')).then((r) => [...r.mappings.values()]));
    const msg = parseMessage(input);
    const type = `${msg.header.messageType}^${msg.header.triggerEvent}`;
    const mapping = mappings.find((m) => m.input === 'hl7v2' && m.accepts(type));
    if (mapping !== undefined) await mapping.convert(msg, { timezone: 'Asia/Ho_Chi_Minh', validate: true });
  },
};

const mllp: Target = {
  name: 'mllp framer',
  corpus: ['fixtures/hl7/**/*.hl7', 'fixtures/mllp/**/*'],
  weight: 0.45,
  run(input, index) {
    // wrapped in frames (or not), cut at random points, as TCP reads would
    const r = random(index);
    const framed = r() < 0.7 ? Buffer.concat([Buffer.from([0x0b]), input, Buffer.from([0x1c, 0x0d])]) : input;
    const decoder = new MllpDecoder({ maxFrameSize: 1 + Math.floor(r() * 64 * 1024), headSize: 1 + Math.floor(r() * 4096) });
    let seen = 0;
    for (let at = 0; at < framed.length; ) {
      const n = 1 + Math.floor(r() * (r() < 0.2 ? 4 : 2048));
      for (const event of decoder.push(framed.subarray(at, at + n))) if (event.kind === 'frame') seen += event.payload.length;
      at += n;
    }
    decoder.end();
    if (seen > framed.length) throw new ContractBreach(`the framer gave ${seen} payload bytes for ${framed.length} input bytes`);
  },
};

const csv: Target = {
  name: 'csv reader',
  corpus: ['fixtures/csv/*.csv'],
  weight: 0.02,
  async run(input, index) {
    const grouped = index % 3 === 0;
    const encoding = index % 7 === 0 ? 'windows-1258' : 'utf-8';
    for await (const item of readCsv(Readable.from([input]), { file: 'fuzz.csv', encoding, maxRecordBytes: 64 * 1024, ...(grouped ? { groupBy: 'PATIENT', maxGroupRows: 50 } : {}) })) {
      if (item.kind === 'fatal' || item.kind === 'bad-row') located(item.error);
    }
  },
};

const dicom: Target = {
  name: 'dicom reader',
  corpus: ['fixtures/dicom/*.dcm'],
  weight: 0.06,
  run(input) {
    const object = readDicom(input, { source: 'fuzz.dcm' });
    JSON.stringify(object.dataset);
  },
};

let tmp: string | undefined;
function scratch(name: string): string {
  tmp ??= path.join(tmpdir(), `medibus-fuzz-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  return path.join(tmp, name);
}

function checkDiagnostics(diagnostics: readonly { code?: string; line: number; column: number; message: string }[]): void {
  for (const d of diagnostics) {
    if (!d.code || !d.message) throw new ContractBreach(`a diagnostic without code or message: ${JSON.stringify(d)}`);
    if (d.line < 1 || d.column < 1) throw new ContractBreach(`a diagnostic without line and column: ${d.code} ${d.message}`);
  }
}

const channel: Target = {
  name: 'channel loader',
  corpus: ['channels/*.yaml', 'fixtures/channels/**/*.yaml', 'fixtures/destinations/*.yaml'],
  weight: 0.01,
  async run(input) {
    const file = scratch('channel.yaml');
    writeFileSync(file, input);
    const { diagnostics } = await loadChannelFile(file, { env: { EMR_FHIR_URL: 'http://127.0.0.1:1/fhir' } });
    checkDiagnostics(diagnostics);
  },
};

const mapping: Target = {
  name: 'mapping loader',
  corpus: ['mappings/*.yaml', 'mappings/terminology/*.yaml', 'fixtures/mapping/*.yaml'],
  weight: 0.01,
  async run(input) {
    const file = scratch('mapping.yaml');
    writeFileSync(file, input);
    const { diagnostics } = await loadMapping(file, { mappingsDir: path.join(ROOT, 'mappings'), env: {} });
    checkDiagnostics(diagnostics);
  },
};

export const TARGETS: readonly Target[] = [hl7, transform, mllp, csv, dicom, channel, mapping];

/** A refusal must say where; one that does not is reported (not a crash). */
export class Unlocated extends Error {
  constructor(readonly error: MedibusError) {
    super(`${error.code} without a location: ${error.message}`);
  }
}

export function located(error: MedibusError): void {
  if (error.location === undefined || Object.keys(error.location).length === 0) throw new Unlocated(error);
}

export { isMedibusError };
