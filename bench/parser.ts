/**
 * HL7 v2 parser benchmark: medibus against hl7-standard, node-hl7-client, @medplum/core and a
 * naive split baseline. Every parse is followed by reading the same fields through each
 * library's own API (MSH-9.1, MSH-9.2, MSH-10, PID-3 first identifier, PID-5 family name,
 * PID-7; for the ORU also OBX-3.1 and OBX-5 of every OBX), so that lazy parsers pay for what
 * they defer. Inputs are CR-terminated strings without BOM, as they come out of MLLP framing.
 *
 *   npx tsx bench/parser.ts          (BENCH_QUICK=1 for a short run)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { Message as NhcMessage } from 'node-hl7-client';
import { compilePath, parseMessage } from '../src/hl7/index.js';
import { median } from './stats.js';

/** Parses, reads the fields, returns the number of characters read (so nothing is optimised away). */
type Reader = (text: string, bytes: Buffer, withObx: boolean) => number;

/** The slice of hl7-standard's (untyped, CommonJS) API used here. */
interface Hl7StandardSegment {
  get(path: string): unknown;
}
interface Hl7Standard extends Hl7StandardSegment {
  transform(): void;
  getSegments(name: string): Hl7StandardSegment[];
}
const requireCjs = createRequire(import.meta.url);
const Hl7StandardCtor = requireCjs('hl7-standard') as new (text: string) => Hl7Standard;

const len = (v: unknown): number => (typeof v === 'string' ? v.length : 0);

const naive: Reader = (text, _bytes, withObx) => {
  const lines = text.split('\r');
  let msh: string[] | undefined;
  let pid: string[] | undefined;
  const obx: string[][] = [];
  for (const line of lines) {
    const f = line.split('|');
    if (f[0] === 'MSH') msh = f;
    else if (f[0] === 'PID') pid ??= f;
    else if (f[0] === 'OBX') obx.push(f);
  }
  if (msh === undefined || pid === undefined) return 0;
  const type = msh[8].split('^'); // MSH-n is piece n-1: MSH-1 is the separator itself
  let n = type[0].length + (type[1] ?? '').length + msh[9].length;
  n += pid[3].split('~')[0].split('^')[0].length + pid[5].split('^')[0].length + pid[7].length;
  if (withObx) for (const o of obx) n += o[3].split('^')[0].length + o[5].split('^')[0].length;
  return n;
};

const medibus: Reader = (text, _bytes, withObx) => {
  const m = parseMessage(text);
  let n = m.get('MSH-9.1').length + m.get('MSH-9.2').length + m.get('MSH-10').length;
  n += m.get('PID-3.1').length + m.get('PID-5.1').length + m.get('PID-7').length;
  if (withObx) for (const obx of m.segmentsNamed('OBX')) n += obx.get('OBX-3.1').length + obx.get('OBX-5').length;
  return n;
};

const P = {
  type: compilePath('MSH-9.1'),
  trigger: compilePath('MSH-9.2'),
  control: compilePath('MSH-10'),
  id: compilePath('PID-3.1'),
  family: compilePath('PID-5.1'),
  birth: compilePath('PID-7'),
  code: compilePath('OBX-3.1'),
  value: compilePath('OBX-5'),
};

/** What the mapping engine does: paths compiled once, then evaluated per message/segment. */
const medibusCompiled: Reader = (text, _bytes, withObx) => {
  const m = parseMessage(text);
  let n = P.type.get(m).length + P.trigger.get(m).length + P.control.get(m).length;
  n += P.id.get(m).length + P.family.get(m).length + P.birth.get(m).length;
  if (withObx) for (const obx of m.segmentsNamed('OBX')) n += P.code.get(obx).length + P.value.get(obx).length;
  return n;
};

/** From the bytes, as intake receives them: MSH-18 lookup and decoding included. */
const medibusBytes: Reader = (_text, bytes, withObx) => medibusCompiledFrom(parseMessage(bytes), withObx);

function medibusCompiledFrom(m: ReturnType<typeof parseMessage>, withObx: boolean): number {
  let n = P.type.get(m).length + P.trigger.get(m).length + P.control.get(m).length;
  n += P.id.get(m).length + P.family.get(m).length + P.birth.get(m).length;
  if (withObx) for (const obx of m.segmentsNamed('OBX')) n += P.code.get(obx).length + P.value.get(obx).length;
  return n;
}

const hl7Standard: Reader = (text, _bytes, withObx) => {
  const h = new Hl7StandardCtor(text);
  h.transform();
  let n = len(h.get('MSH.9.1')) + len(h.get('MSH.9.2')) + len(h.get('MSH.10'));
  n += len(h.get('PID.3.1')) + len(h.get('PID.5.1')) + len(h.get('PID.7'));
  if (withObx) for (const obx of h.getSegments('OBX')) n += len(obx.get('OBX.3.1')) + len(obx.get('OBX.5'));
  return n;
};

const nodeHl7Client: Reader = (text, _bytes, withObx) => {
  const m = new NhcMessage({ text });
  let n = m.get('MSH.9.1').toString().length + m.get('MSH.9.2').toString().length + m.get('MSH.10').toString().length;
  n += m.get('PID.3.1').toString().length + m.get('PID.5.1').toString().length + m.get('PID.7').toString().length;
  if (withObx) m.get('OBX').forEach((obx) => (n += obx.get('3.1').toString().length + obx.get('5.1').toString().length));
  return n;
};

const medplum: Reader = (text, _bytes, withObx) => {
  const m = MedplumMessage.parse(text);
  const msh = m.getSegment('MSH');
  const pid = m.getSegment('PID');
  if (msh === undefined || pid === undefined) return 0;
  let n = msh.getComponent(9, 1).length + msh.getComponent(9, 2).length + msh.getField(10).toString().length;
  n += pid.getComponent(3, 1).length + pid.getComponent(5, 1).length + pid.getField(7).toString().length;
  if (withObx) for (const obx of m.getAllSegments('OBX')) n += obx.getComponent(3, 1).length + obx.getComponent(5, 1).length;
  return n;
};

const READERS: readonly (readonly [string, Reader])[] = [
  ['naive split (baseline)', naive],
  ['medibus', medibus],
  ['medibus, compiled paths', medibusCompiled],
  ['medibus, from bytes', medibusBytes],
  ['hl7-standard 1.0.4', hl7Standard],
  ['node-hl7-client 3.2.0', nodeHl7Client],
  ['@medplum/core 4.5.2', medplum],
];

let sink = 0;

/** Messages per second over about `ms` milliseconds. */
function measure(read: Reader, text: string, bytes: Buffer, withObx: boolean, ms: number): number {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 50; i++) sink += read(text, bytes, withObx);
    ops += 50;
    now = performance.now();
  }
  return ops / ((now - start) / 1000);
}

interface Input {
  readonly name: string;
  readonly text: string;
  readonly bytes: Buffer;
  readonly withObx: boolean;
}

function loadInput(name: string, file: string, withObx: boolean): Input {
  const raw = readFileSync(new URL(`../fixtures/hl7/${file}`, import.meta.url), 'utf8');
  const text = raw.replace(/^\uFEFF/, '').replace(/\r\n|\n/g, '\r');
  return { name, text, bytes: Buffer.from(text, 'utf8'), withObx };
}

export async function runParserBench(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const runs = quick ? 3 : 5;
  const runMs = quick ? 150 : 300;
  const inputs = [
    loadInput('ADT^A01', 'corpus/microsoft-fhir-converter__ADT01-23.hl7', false),
    loadInput('ORU^R01 30 OBX', 'oru-r01-30obx.hl7', true),
  ];
  // Every library must read the same thing, or the comparison means nothing.
  for (const input of inputs) {
    const expected = naive(input.text, input.bytes, input.withObx);
    for (const [name, read] of READERS) {
      const got = read(input.text, input.bytes, input.withObx);
      if (got !== expected) console.warn(`${name} read ${got} characters of ${input.name}, the baseline ${expected}`);
    }
  }
  const rows: Record<string, Record<string, string>> = {};
  const baseline = new Map<string, number>();
  for (const [name, read] of READERS) {
    const row: Record<string, string> = {};
    for (const input of inputs) {
      measure(read, input.text, input.bytes, input.withObx, runMs); // warm-up
      const results: number[] = [];
      for (let r = 0; r < runs; r++) results.push(measure(read, input.text, input.bytes, input.withObx, runMs));
      const perSecond = median(results);
      if (read === naive) baseline.set(input.name, perSecond);
      const base = baseline.get(input.name) ?? perSecond;
      row[`${input.name} msg/s`] = Math.round(perSecond).toLocaleString('en-US');
      row[`${input.name} MB/s`] = ((perSecond * input.bytes.length) / 1e6).toFixed(1);
      row[`${input.name} vs naive`] = `${(perSecond / base).toFixed(2)}×`;
    }
    rows[name] = row;
  }
  console.log(`HL7 v2 parse + read (median of ${runs} runs of ${runMs} ms; ${inputs.map((i) => `${i.name} ${i.bytes.length} B`).join(', ')})`);
  console.table(rows);
  if (sink === 42) console.log(''); // keeps the results observable
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runParserBench();
}
