/**
 * The transform step: one message and its channel's plan → what the channel does with it.
 * Pure apart from the mapping's own work: no broker, no log, no clock. The transform worker
 * wraps it with broker I/O (dedupe, publish, the failed queue, status events); `medibus test`
 * and `medibus convert` call it as it is, so all three type, filter and map a message the
 * same way (issue 14: they had drifted apart; an empty MSH-9.2 was `ADT` in one, `ADT^` in
 * the others).
 *
 * The step starts with intake's own check of the MSH fields (src/hl7/validate.ts): a running
 * channel answers AR/CR to a message that fails it and never stores it, so the CLI must say
 * so rather than convert it; in the worker the check has already passed at intake.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { errorMessage, formatLocation, isMedibusError, MedibusError } from '../errors.js';
import { ackCode, assertRequired, checkRequired, messageType, parseMessage, type AckError, type Hl7Message } from '../hl7/index.js';
import type { MessageFilter } from './filter.js';

/** What the step needs of a compiled mapping. */
export interface MessageMapping {
  readonly id: string;
  readonly messageTypes: readonly string[];
  convert(msg: Hl7Message, options: { validate?: boolean; timezone?: string }): Promise<{ bundle: Bundle; warnings: readonly string[] }>;
  /** the mapping's `requires:` segments the message lacks, as the error to refuse it with */
  missingSegments(msg: Hl7Message): MedibusError | undefined;
}

/** How one channel transforms its messages: built once from its file (transform-plan.ts), frozen. */
export interface TransformPlan {
  readonly channelId: string;
  /** the channel file */
  readonly file: string;
  readonly filter: MessageFilter;
  /** undefined: the channel routes the HL7 message as it came (v2 destinations) */
  readonly mapping: MessageMapping | undefined;
  /** validate the resources against the R4 profiles */
  readonly validate: boolean;
  /** for HL7 times without an offset */
  readonly timezone: string | undefined;
  /** decoder when neither the message (MSH-18) nor the broker header names one */
  readonly charset: string;
}

/** MSH fields missing: the answer intake gives (AR, or CR in enhanced mode) with its ERR segments. */
export interface Refused {
  readonly kind: 'refused';
  readonly message: Hl7Message;
  readonly type: string;
  readonly ackCode: string;
  readonly errors: readonly AckError[];
  readonly error: MedibusError;
}

export interface Filtered {
  readonly kind: 'filtered';
  readonly message: Hl7Message;
  readonly type: string;
  readonly reason: string;
}

export interface Converted {
  readonly kind: 'converted';
  readonly message: Hl7Message;
  readonly type: string;
  /** undefined when the channel has no mapping */
  readonly bundle: Bundle | undefined;
  readonly warnings: readonly string[];
}

export interface Failed {
  readonly kind: 'failed';
  /** undefined when the bytes did not parse */
  readonly message: Hl7Message | undefined;
  readonly type: string | undefined;
  /** a non-medibus error (a bug) is wrapped as MEDIBUS_ERR_INTERNAL, with it as the cause */
  readonly error: MedibusError;
  /** the error's position and message, said once */
  readonly reason: string;
}

export type StepOutcome = Refused | Filtered | Converted | Failed;

/** Parses the bytes as a running channel does; a Failed outcome when they are not HL7 v2. */
export function parseStep(raw: Buffer, charset: string): { readonly kind: 'parsed'; readonly message: Hl7Message } | Failed {
  try {
    return { kind: 'parsed', message: parseMessage(raw, { charset }) };
  } catch (error) {
    return failed(undefined, error);
  }
}

/** Intake's verdict on the MSH fields: undefined when the message would be accepted. */
export function intakeCheck(msg: Hl7Message): Refused | undefined {
  try {
    assertRequired(msg);
    return undefined;
  } catch (error) {
    if (!isMedibusError(error)) throw error;
    return { kind: 'refused', message: msg, type: messageType(msg), ackCode: ackCode(msg, 'reject'), errors: checkRequired(msg), error };
  }
}

/** Raw bytes (decoded with `charset`, else the plan's) or a parsed message → the outcome. */
export async function transformStep(input: Buffer | Hl7Message, plan: TransformPlan, charset?: string): Promise<StepOutcome> {
  let msg: Hl7Message;
  if (Buffer.isBuffer(input)) {
    const parsed = parseStep(input, charset || plan.charset);
    if (parsed.kind === 'failed') return parsed;
    msg = parsed.message;
  } else msg = input;

  const refused = intakeCheck(msg);
  if (refused !== undefined) return refused;
  const type = messageType(msg);
  try {
    const why = await plan.filter.check(msg, type);
    if (why !== undefined) return { kind: 'filtered', message: msg, type, reason: why };
    if (plan.mapping === undefined) return { kind: 'converted', message: msg, type, bundle: undefined, warnings: [] };
    const { bundle, warnings } = await plan.mapping.convert(msg, { validate: plan.validate, ...(plan.timezone ? { timezone: plan.timezone } : {}) });
    return { kind: 'converted', message: msg, type, bundle, warnings };
  } catch (error) {
    return failed(msg, error);
  }
}

function failed(msg: Hl7Message | undefined, thrown: unknown): Failed {
  const error = isMedibusError(thrown) ? thrown : new MedibusError('MEDIBUS_ERR_INTERNAL', errorMessage(thrown), { cause: thrown });
  return { kind: 'failed', message: msg, type: msg === undefined ? undefined : messageType(msg), error, reason: failureReason(error) };
}

/**
 * `PID-3: the key of Patient … is empty`: the position, then the message. A mapping error's
 * message already starts with its position (runtime-context.ts locatedError); it is not
 * repeated (the failed queue said `PID-3: PID-3: …`, issue 16).
 */
export function failureReason(error: MedibusError): string {
  const where = formatLocation(error.location);
  return where === '' || error.message.startsWith(where) ? error.message : `${where}: ${error.message}`;
}
