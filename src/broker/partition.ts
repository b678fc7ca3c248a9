import { createHash, createHmac } from 'node:crypto';
import { MedibusError } from '../errors.js';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The partition of an ordering key: FNV-1a 32-bit over the key's UTF-8 bytes, modulo the
 * partition count.
 *
 * STABLE FOREVER: every medibus process (of any version) sharing a broker must put the same
 * patient in the same partition, or per-patient order breaks during a rolling upgrade. Never
 * change the hash, the byte encoding or the reduction; test/broker/partition.test.ts pins
 * reference values from the FNV specification (draft-eastlake-fnv, test vectors).
 */
export function partitionOf(key: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new MedibusError('MEDIBUS_ERR_INTERNAL', `partitions must be a positive integer, got ${partitions}`);
  }
  return fnv1a32(Buffer.from(key, 'utf8')) % partitions;
}

export function fnv1a32(bytes: Uint8Array): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of bytes) {
    hash ^= byte;
    // Math.imul keeps the multiplication in 32 bits (a plain * loses precision past 2^53).
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * The `medibus-key` header: lets operators see that two messages concern the same patient
 * without the identifier ever reaching the broker or its management UI. SHA-256, first
 * 16 bytes, hex. Without a secret the hash of a low-entropy identifier (an MRN) can be
 * reversed by trying every MRN; pass a deployment secret to make it an HMAC when that
 * matters. The hash is for display and correlation only; routing uses `partitionOf`.
 */
export function keyHash(key: string, secret?: string): string {
  const digest = secret === undefined || secret === ''
    ? createHash('sha256').update(key, 'utf8').digest()
    : createHmac('sha256', secret).update(key, 'utf8').digest();
  return digest.subarray(0, 16).toString('hex');
}
