import { createHash, randomBytes } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds then random bits, so ids
 * sort by arrival time — handy in the message browser and in broker tooling.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = Buffer.allocUnsafe(16);
  randomInto(bytes);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return format(bytes);
}

/**
 * Random bytes from a pool refilled 4 KiB at a time: one call into the kernel's CSPRNG per
 * 256 ids instead of one per id (a system call per message showed in the intake's profile).
 */
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_SIZE;

function randomInto(target: Buffer): void {
  if (offset + target.length > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  pool.copy(target, 0, offset, offset + target.length);
  offset += target.length;
}

/**
 * UUID version 5 (RFC 9562 §5.5): SHA-1 of a namespace and a name. For ids other programs
 * must be able to derive with any UUID library; bundle fullUrls use the cheaper nameUuid.
 */
export function uuidv5(name: string, namespace: string = MEDIBUS_NAMESPACE): string {
  const hash = createHash('sha1').update(parse(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return format(bytes);
}

/** medibus's own UUID v5 namespace (a fixed random UUID; never change it: ids depend on it). */
export const MEDIBUS_NAMESPACE = '6f1c3c1e-4a59-4c8e-9a0e-2d7b5f3c8a41';

/**
 * A name-based UUID version 8 (RFC 9562 §5.8, "custom"): the 128-bit MurmurHash3 x86_128
 * (seed 0) of the UTF-8 bytes of `name`, its four 32-bit words written little-endian (the bytes
 * the reference implementation writes on a little-endian machine), with the version and variant
 * bits set.
 *
 * Why not v5: bundle entry fullUrls only need to be the same for the same key and distinct
 * within one bundle, and a lab message has ~40 of them; SHA-1 through node:crypto cost about
 * 1 µs each, this about a tenth. It is not a cryptographic hash: whoever relies on two names
 * never sharing an id must compare the names when the ids are equal (the mapping runtime does).
 * Never change the hash or the seed: stored bundles and golden files depend on them.
 */
export function nameUuid(name: string): string {
  nameHash(name, WORDS);
  return formatWords(WORDS);
}

/**
 * MurmurHash3 x86_128 of the UTF-8 bytes of `name` with seed 0, as four unsigned 32-bit words
 * (h1…h4) written into `out`. Synchronous and allocation-free for names up to 1 KiB of ASCII.
 */
export function nameHash(name: string, out: Uint32Array): void {
  prefixA = prefixB = undefined;
  const len = ascii(name, 0);
  if (len < 0) {
    const bytes = Buffer.from(name, 'utf8');
    murmur3x86_128(bytes, bytes.length, 0, out);
  } else {
    murmur3x86_128(SCRATCH, len, 0, out, SCRATCH_WORDS);
  }
}

/**
 * nameHash of `${a}|${b}|${c}`, without making that string: the parts are copied into the
 * scratch buffer one after the other (a joined string would be a rope, flattened on the
 * first character read).
 */
export function nameHash3(a: string, b: string, c: string, out: Uint32Array): void {
  // The keys of one rule share `a|b|` (30 observations: one type, one system): when SCRATCH
  // still starts with it, only `c` is copied.
  let end: number;
  if (a === prefixA && b === prefixB) end = prefixEnd;
  else {
    prefixA = prefixB = undefined;
    end = ascii(a, 0);
    if (end >= 0 && end < SCRATCH.length) {
      SCRATCH[end] = 0x7c;
      end = ascii(b, end + 1);
      if (end >= 0 && end < SCRATCH.length) {
        SCRATCH[end] = 0x7c;
        prefixA = a;
        prefixB = b;
        prefixEnd = end;
      }
    }
  }
  if (end >= 0 && end < SCRATCH.length) end = ascii(c, end + 1);
  if (end >= 0 && end < SCRATCH.length) murmur3x86_128(SCRATCH, end, 0, out, SCRATCH_WORDS);
  else nameHash(`${a}|${b}|${c}`, out);
}

/** the `a|b|` SCRATCH starts with, after nameHash3 (cleared by any other writer of SCRATCH) */
let prefixA: string | undefined;
let prefixB: string | undefined;
let prefixEnd = -1;

/** Copies an ASCII text into SCRATCH from `at`; the end offset, or -1 when it is not ASCII or does not fit. */
function ascii(text: string, at: number): number {
  const end = at + text.length;
  if (end > SCRATCH.length) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    SCRATCH[at + i] = c;
  }
  return end;
}

/**
 * The UUID v8 of `nameHash` words (see nameUuid), after `prefix` (`urn:uuid:`; ASCII). The
 * characters are written to a buffer and read back as one string: built with `+`, the 20
 * pieces would make as many intermediate strings.
 */
export function formatWords(words: Uint32Array, prefix = ''): string {
  if (prefix.length > 64) return prefix + formatWords(words);
  const text = UUID_TEXT;
  let p = 0;
  for (; p < prefix.length; p++) text[p] = prefix.charCodeAt(p);
  // bytes 0–15 are h1…h4 little-endian; byte 6 carries the version (8), byte 8 the variant (10xx)
  for (let i = 0; i < 16; i++) {
    let byte = (words[i >> 2]! >>> ((i & 3) * 8)) & 0xff;
    if (i === 6) byte = (byte & 0x0f) | 0x80;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) text[p++] = 0x2d; // '-'
    text[p++] = HEX_DIGITS[byte >> 4]!;
    text[p++] = HEX_DIGITS[byte & 15]!;
  }
  return text.toString('latin1', 0, p);
}

const SCRATCH = new Uint8Array(1024);
/** SCRATCH as 32-bit words, where the platform reads them little-endian as the hash does (x86, ARM) */
const SCRATCH_WORDS = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? new Uint32Array(SCRATCH.buffer) : undefined;
const WORDS = new Uint32Array(4);
const UUID_TEXT = Buffer.alloc(128);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function word(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/**
 * MurmurHash3_x86_128 (Austin Appleby, public domain), on the first `len` bytes of `b`.
 * `words`, when given, is `b` read as little-endian 32-bit words (same buffer, offset 0).
 */
export function murmur3x86_128(b: Uint8Array, len: number, seed: number, out: Uint32Array, words?: Uint32Array): void {
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocks = len - (len % 16);
  for (let i = 0; i < blocks; i += 16) {
    const w = i >>> 2;
    let k1 = words === undefined ? word(b, i) : words[w]!;
    let k2 = words === undefined ? word(b, i + 4) : words[w + 1]!;
    let k3 = words === undefined ? word(b, i + 8) : words[w + 2]!;
    let k4 = words === undefined ? word(b, i + 12) : words[w + 3]!;
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 = (Math.imul(rotl(h1 ^ k1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 = (Math.imul(rotl(h2 ^ k2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 = (Math.imul(rotl(h3 ^ k3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 = (Math.imul(rotl(h4 ^ k4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // the tail: up to 15 bytes, little-endian into k1…k4
  const rest = len - blocks;
  if (rest > 0) {
    let k1 = 0;
    let k2 = 0;
    let k3 = 0;
    let k4 = 0;
    for (let j = rest - 1; j >= 0; j--) {
      const byte = b[blocks + j]!;
      const shift = (j & 3) * 8;
      if (j >= 12) k4 ^= byte << shift;
      else if (j >= 8) k3 ^= byte << shift;
      else if (j >= 4) k2 ^= byte << shift;
      else k1 ^= byte << shift;
    }
    if (rest > 12) h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    if (rest > 8) h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    if (rest > 4) h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  }
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}

function format(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function parse(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}
