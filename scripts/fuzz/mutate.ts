/**
 * Inputs for the fuzzer: the corpus files, mutated the ways real senders and networks break
 * them. A seeded PRNG (mulberry32) makes every run repeatable: `--seed` and an input's index
 * give back the same bytes.
 */

export type Random = () => number;

/** mulberry32: 32-bit state, enough for test inputs (not for anything secret) */
export function random(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Random, n: number): number => Math.floor(r() * n);

/**
 * Bytes that mean something to the readers: HL7 delimiters and escapes, MLLP's SB/EB/CR, CSV's
 * quote and separators, YAML's indicators, DICOM's zero padding and 0xFF lengths.
 */
const SPECIAL = Buffer.from('|^~\\&\r\n\x0b\x1c"\',;:-?*&!#%@`{}[]>\t \x00\xff', 'latin1');
const TOKENS = ['\\T\\', '\\X', '\\XC3A9\\', '\\.br\\', 'MSH|^~\\&|', '\rPID|', '\rOBX|1|NM|', '""', '${', '${X:-', '*a', '&a ', '<<: *a', '\ufeff', '\u0000', '99999999999999999999', '-1', 'NaN', '\xff\xff\xff\xff'];

type Mutator = (r: Random, b: Buffer, corpus: readonly Buffer[]) => Buffer;

const MUTATORS: readonly Mutator[] = [
  // flip bits
  (r, b) => {
    const out = Buffer.from(b);
    for (let k = 1 + int(r, 8); k > 0 && out.length > 0; k--) out[int(r, out.length)]! ^= 1 << int(r, 8);
    return out;
  },
  // overwrite bytes with random or special ones
  (r, b) => {
    const out = Buffer.from(b);
    for (let k = 1 + int(r, 16); k > 0 && out.length > 0; k--) out[int(r, out.length)] = r() < 0.5 ? int(r, 256) : SPECIAL[int(r, SPECIAL.length)]!;
    return out;
  },
  // insert special bytes or tokens
  (r, b) => {
    const at = int(r, b.length + 1);
    const what = r() < 0.5 ? Buffer.from([SPECIAL[int(r, SPECIAL.length)]!]) : Buffer.from(TOKENS[int(r, TOKENS.length)]!, 'latin1');
    return Buffer.concat([b.subarray(0, at), what, b.subarray(at)]);
  },
  // delete a run
  (r, b) => {
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 64)))]);
  },
  // truncate
  (r, b) => b.subarray(0, int(r, b.length + 1)),
  // duplicate a chunk many times (repeated segments, deep nesting, long lines)
  (r, b) => {
    const at = int(r, b.length + 1);
    const chunk = b.subarray(at, at + 1 + int(r, 200));
    const times = 1 + int(r, r() < 0.1 ? 300 : 20);
    return Buffer.concat([b.subarray(0, at), ...Array.from({ length: times }, () => chunk), b.subarray(at)]);
  },
  // splice with another corpus file (same kind)
  (r, b, corpus) => {
    const other = corpus[int(r, corpus.length)]!;
    const from = int(r, other.length + 1);
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), other.subarray(from, from + int(r, 512)), b.subarray(at + int(r, 64))]);
  },
  // swap two chunks
  (r, b) => {
    if (b.length < 4) return b;
    const i = int(r, b.length - 1);
    const j = int(r, b.length - 1);
    const n = 1 + int(r, Math.min(64, b.length - Math.max(i, j)));
    const out = Buffer.from(b);
    b.copy(out, i, j, j + n);
    b.copy(out, j, i, i + n);
    return out;
  },
];

/**
 * Inputs are cut at 64 KiB: the corpus's largest message is 12 KiB and its largest DICOM
 * file 300 KiB; a bigger input mostly measures the speed of reading bytes, not a new path.
 */
export const MAX_INPUT = 64 * 1024;

/** Input `index` of a target: mostly a corpus file mutated 1–4 times, sometimes random bytes. */
export function input(seed: number, index: number, corpus: readonly Buffer[]): Buffer {
  const r = random(seed ^ Math.imul(index + 1, 0x9e3779b1));
  if (r() < 0.03) return Buffer.from(Array.from({ length: int(r, 2048) }, () => int(r, 256)));
  let b = corpus[int(r, corpus.length)]!;
  for (let k = 1 + int(r, 4); k > 0; k--) b = MUTATORS[int(r, MUTATORS.length)]!(r, b, corpus);
  return b.length > MAX_INPUT ? b.subarray(0, MAX_INPUT) : b;
}
