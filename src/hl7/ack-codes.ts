/**
 * HL7 tables used by acknowledgments (HL7 v2.5.1 §2.9, Appendix A) and the AckError shape.
 */

/** Table 0008 acknowledgment codes: A* application (original mode), C* commit (enhanced mode). */
export const ACK_CODES = ['AA', 'AE', 'AR', 'CA', 'CE', 'CR'] as const;
export type AckCode = (typeof ACK_CODES)[number];

export function isAckCode(value: string): value is AckCode {
  return (ACK_CODES as readonly string[]).includes(value);
}

/** Table 0155 accept/application acknowledgment conditions (MSH-15, MSH-16). */
export const ACK_CONDITIONS = {
  AL: 'Always',
  NE: 'Never',
  ER: 'Error/reject conditions only',
  SU: 'Successful completion only',
} as const;
export type AckCondition = keyof typeof ACK_CONDITIONS;

/** Table 0357 message error condition codes (ERR-3, or ELD.4 before v2.5). */
export const HL7_ERROR_CODES = {
  '0': 'Message accepted',
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
} as const;
export type Hl7ErrorCode = keyof typeof HL7_ERROR_CODES;

/** Table 0516 error severity (ERR-4); F (fatal) is from v2.7. */
export const SEVERITIES = { E: 'Error', W: 'Warning', I: 'Information', F: 'Fatal error' } as const;
export type AckSeverity = keyof typeof SEVERITIES;

/** Where an error is in the message: the ERL data type (ERR-2), or ELD.1–3 before v2.5. */
export interface AckErrorLocation {
  /** segment ID, e.g. `PID` */
  readonly segment: string;
  /** 1-based occurrence of that segment in the message (ERL.2); default 1 */
  readonly sequence?: number;
  readonly field?: number;
  readonly repetition?: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

/** One error or warning reported in an ACK (one ERR segment from v2.5, one ERR-1 ELD before). */
export interface AckError {
  /** table 0357 code (ERR-3.1); ACKs read from other systems may carry local codes */
  readonly code: Hl7ErrorCode | (string & {});
  /** ERR-4, default E */
  readonly severity?: AckSeverity;
  readonly location?: AckErrorLocation;
  /** ERR-3.2 text; default the table 0357 text of the code */
  readonly text?: string;
  /** ERR-5.1 application error code, e.g. a MEDIBUS_ERR_* code */
  readonly applicationCode?: string;
  /** ERR-7 diagnostic information (for the sender's support staff) */
  readonly diagnostic?: string;
  /** ERR-8 user message (for the sender's users) */
  readonly userMessage?: string;
}
