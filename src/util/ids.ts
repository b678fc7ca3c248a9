import { createHash, randomBytes } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds then random bits, so ids
 * sort by arrival time — handy in the message browser and in broker tooling.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return format(bytes);
}

/**
 * UUID version 5 (RFC 9562 §5.5): SHA-1 of a namespace and a name. medibus uses it for
 * bundle entry fullUrls, so converting the same message twice gives the same bundle.
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

function format(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function parse(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}
