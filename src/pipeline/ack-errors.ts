/**
 * MedibusError → the ERR segment a sender reads (HL7 v2.5.1 §2.9, table 0357).
 *
 * ERR-3 carries the closest table 0357 condition, ERR-5 the MEDIBUS_ERR_* code (stable, for
 * the sender's support staff to quote), ERR-7 what went wrong and where, ERR-8 what the
 * sender should do.
 */
import { ERRORS, type ErrorCode, type MedibusError } from '../errors.js';
import type { AckError, AckErrorLocation, Hl7ErrorCode } from '../hl7/index.js';

const CONDITION: Partial<Record<ErrorCode, Hl7ErrorCode>> = {
  MEDIBUS_ERR_HL7_EMPTY: '100',
  MEDIBUS_ERR_HL7_NO_MSH: '100',
  MEDIBUS_ERR_HL7_SEGMENT: '100',
  MEDIBUS_ERR_HL7_DELIMITERS: '102',
  MEDIBUS_ERR_HL7_REQUIRED_FIELD: '101',
  // table 0357 100: "segment sequence error … or required segments are missing"
  MEDIBUS_ERR_MAPPING_SEGMENT_MISSING: '100',
};

export function errorToAckError(error: MedibusError): AckError {
  const loc = error.location;
  const location: AckErrorLocation | undefined =
    loc?.segment === undefined
      ? undefined
      : {
          segment: loc.segment,
          sequence: loc.segmentIndex ?? 1,
          ...(loc.field === undefined ? {} : { field: loc.field, repetition: 1 }),
          ...(loc.component === undefined ? {} : { component: loc.component }),
        };
  return {
    code: CONDITION[error.code] ?? '207',
    severity: 'E',
    ...(location ? { location } : {}),
    applicationCode: error.code,
    diagnostic: error.message,
    userMessage: ERRORS[error.code].retryable ? `not stored: ${ERRORS[error.code].hint} Please resend.` : ERRORS[error.code].hint,
  };
}
