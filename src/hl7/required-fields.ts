/**
 * Intake checks: the MSH fields without which medibus cannot route, answer or de-duplicate a
 * message. All are R (required) in HL7 v2.5.1 §2.14.9; a message missing one is refused
 * with AR/CR and ERR code 101 at the exact position (ERR-2 ERL).
 *
 * Deliberately not checked: MSH-7 (R in the standard, but empty in real ACKs and harmless to
 * routing) and MSH-9.3 (absent before v2.3.1).
 */
import { MedibusError } from '../errors.js';
import type { Hl7Message } from './message.js';
import type { AckError } from './ack-codes.js';

interface Requirement {
  readonly field: number;
  readonly component?: number;
  readonly what: string;
  readonly why: string;
}

const REQUIRED: readonly Requirement[] = [
  { field: 9, component: 1, what: 'message type', why: 'medibus routes and filters on it' },
  { field: 9, component: 2, what: 'trigger event', why: 'medibus routes on it and echoes it in the ACK' },
  { field: 10, what: 'message control ID', why: 'the ACK must quote it in MSA-2' },
  { field: 11, what: 'processing ID', why: 'the ACK must echo it' },
  { field: 12, what: 'version ID', why: 'it decides how the message and its ACK are read' },
];

/** The errors that make the message unacceptable ([] when it may be accepted). */
export function checkRequired(msg: Hl7Message): AckError[] {
  const msh = msg.msh;
  const errors: AckError[] = [];
  for (const r of REQUIRED) {
    const field = msh.field(r.field);
    if (r.component === 2 && (msh.field(9).component(1) === '' || msh.field(9).component(1) === 'ACK')) {
      continue; // reported once as MSH-9.1; an ACK has no trigger event before v2.3.1
    }
    const value = r.component === undefined ? field.value : field.component(r.component);
    if (value.trim() !== '') continue;
    const name = `MSH-${r.field}${r.component === undefined ? '' : `.${r.component}`}`;
    errors.push({
      code: '101',
      severity: 'E',
      location: { segment: 'MSH', sequence: 1, field: r.field, repetition: 1, component: r.component ?? 1 },
      diagnostic: `${name} (${r.what}) is empty; ${r.why}`,
      userMessage: `${name} (${r.what}) is required`,
    });
  }
  return errors;
}

/**
 * Throws MEDIBUS_ERR_HL7_REQUIRED_FIELD located at the first missing field (the message lists
 * them all), for callers that record failures as errors rather than as ACK segments.
 */
export function assertRequired(msg: Hl7Message): void {
  const errors = checkRequired(msg);
  const first = errors[0];
  if (first === undefined) return;
  throw new MedibusError('MEDIBUS_ERR_HL7_REQUIRED_FIELD', errors.map((e) => e.diagnostic).join('; '), {
    location: { segment: 'MSH', segmentIndex: 1, field: first.location?.field, component: first.location?.component },
  });
}
