/**
 * Reading acknowledgments (for MLLP clients and the mllp destination) and turning medibus
 * errors into ACK errors (for intake). HL7 v2.5.1 §2.9, §2.15.5 (ERR), §2.15.8 (MSA).
 */
import { MedibusError, type ErrorCode, errorMessage } from '../errors.js';
import type { Hl7Message } from './message.js';
import type { Repetition } from './field.js';
import type { Segment } from './segment.js';
import { isAckCode, SEVERITIES, type AckCode, type AckError, type AckErrorLocation, type AckSeverity } from './ack-codes.js';

export interface ParsedAck {
  /** MSA-1 */
  readonly code: AckCode;
  /** MSA-2: the MSH-10 of the message acknowledged */
  readonly controlId: string;
  /** MSA-3, else the first error's user message, diagnostic or code text; '' when none */
  readonly text: string;
  readonly errors: readonly AckError[];
}

/**
 * Reads an ACK. Throws MEDIBUS_ERR_MLLP_BAD_ACK when there is no MSA segment or MSA-1 is not
 * a table 0008 code: the peer answered with something that is not an acknowledgment.
 */
export function parseAck(msg: Hl7Message): ParsedAck {
  const msa = msg.segment('MSA');
  if (msa === undefined) {
    throw new MedibusError('MEDIBUS_ERR_MLLP_BAD_ACK', `the answer (${msg.header.messageType || 'no MSH-9'}) has no MSA segment`, {
      location: { segment: 'MSA' },
    });
  }
  const code = msa.field(1).value.trim().toUpperCase();
  if (!isAckCode(code)) {
    throw new MedibusError('MEDIBUS_ERR_MLLP_BAD_ACK', `MSA-1 "${code}" is not an acknowledgment code (table 0008: AA, AE, AR, CA, CE, CR)`, {
      location: { segment: 'MSA', field: 1 },
    });
  }
  const errors: AckError[] = [];
  for (const err of msg.segmentsNamed('ERR')) readErr(err, errors);
  const first = errors[0];
  const text = msa.field(3).value || first?.userMessage || first?.diagnostic || first?.text || '';
  return { code, controlId: msa.field(2).value, text, errors };
}

function readErr(err: Segment, out: AckError[]): void {
  if (err.fieldRaw(2) !== '' || err.fieldRaw(3) !== '') {
    // v2.5+: ERR-2 ERL, ERR-3 CWE, ERR-4, ERR-5, ERR-7, ERR-8
    const erl = err.field(2).repetition(1);
    out.push(
      clean({
        code: err.field(3).component(1),
        severity: severity(err.field(4).value),
        location: erl.isEmpty ? undefined : location(erl),
        text: err.field(3).component(2),
        applicationCode: err.field(5).component(1),
        diagnostic: err.field(7).value,
        userMessage: err.field(8).value,
      }),
    );
    return;
  }
  // Before v2.5: ERR-1 repeats ELD (segment^sequence^field^CE code).
  for (const eld of err.field(1).repetitions()) {
    out.push(clean({ code: eld.component(4, 1), text: eld.component(4, 2), location: location(eld, true) }));
  }
}

function location(rep: Repetition, eld = false): AckErrorLocation | undefined {
  const segment = rep.component(1);
  if (segment === '') return undefined;
  const num = (c: number): number | undefined => {
    const n = Number(rep.component(c));
    return rep.component(c) === '' || !Number.isInteger(n) ? undefined : n;
  };
  const loc = { segment, sequence: num(2), field: num(3), ...(eld ? {} : { repetition: num(4), component: num(5), subcomponent: num(6) }) };
  return clean(loc);
}

function severity(v: string): AckSeverity | undefined {
  return Object.hasOwn(SEVERITIES, v) ? (v as AckSeverity) : undefined;
}

/** Drops undefined and '' properties so that results compare and print cleanly. */
function clean<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') out[k] = v;
  return out as T;
}

/** Which table 0357 code a medibus error is reported with. */
const ERROR_TO_0357: Partial<Record<ErrorCode, AckError['code']>> = {
  MEDIBUS_ERR_HL7_REQUIRED_FIELD: '101',
  MEDIBUS_ERR_HL7_EMPTY: '100',
  MEDIBUS_ERR_HL7_NO_MSH: '100',
  MEDIBUS_ERR_HL7_SEGMENT: '100',
  MEDIBUS_ERR_HL7_BATCH: '100',
  MEDIBUS_ERR_HL7_DELIMITERS: '102',
  MEDIBUS_ERR_HL7_CHARSET: '102',
};

/**
 * An AckError for any thrown value: HL7 parse errors keep their location; everything else
 * (broker down, shutdown…) is 207 "Application internal error". ERR-5 carries the
 * MEDIBUS_ERR_* code so that the sender's support staff can quote it.
 */
export function toAckError(error: unknown): AckError {
  if (!(error instanceof MedibusError)) {
    return { code: '207', severity: 'E', diagnostic: errorMessage(error) };
  }
  const loc = error.location;
  const location: AckErrorLocation | undefined =
    loc?.segment === undefined
      ? undefined
      : clean({ segment: loc.segment, sequence: loc.segmentIndex ?? 1, field: loc.field, component: loc.component });
  return clean({
    code: ERROR_TO_0357[error.code] ?? '207',
    severity: 'E' as const,
    location,
    applicationCode: error.code,
    diagnostic: error.message,
  });
}
