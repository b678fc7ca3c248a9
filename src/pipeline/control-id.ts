/**
 * MSH-10 for messages medibus writes (ACKs, forwarded messages). HL7 v2.5.1 limits MSH-10 to
 * 20 characters (ST), so a UUID does not fit: a base-36 millisecond clock (8–9 chars), a
 * per-process random prefix and a counter keep ids unique across restarts and instances.
 */
import { randomBytes } from 'node:crypto';

const PROCESS = randomBytes(3).toString('hex').toUpperCase();
let counter = 0;

export function ackControlId(now: number = Date.now()): string {
  counter = (counter + 1) % 46_656; // 36^3: three base-36 characters
  return `${now.toString(36).toUpperCase()}${PROCESS}${counter.toString(36).toUpperCase().padStart(3, '0')}`;
}
