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
import { ackCode, assertRequired, checkRequired, Hl7Message, messageType, parseMessage, type AckError } from '../hl7/index.js';
import { anyKindSpec } from '../kinds/registry.js';
import type { Hl7Payload, Payload, PayloadKind } from '../kinds/types.js';
import type { MessageFilter } from './filter.js';

/** What the step needs of a compiled mapping (src/mapping CompiledMapping is one). */
export interface MessageMapping {
  readonly id: string;
  /** the payload kind it reads; `hl7v2` for mappings that do not say (mapping file `input:`) */
  readonly input: PayloadKind;
  /** HL7: MSH-9 types; other kinds: the identity types it takes (a Modality), possibly none */
  readonly messageTypes: readonly string[];
  convert(payload: Payload, options: { validate?: boolean; timezone?: string }): Promise<{ bundle: Bundle; warnings: readonly string[] }>;
  /** HL7 only: the mapping's `requires:` segments the message lacks, as the error to refuse it with */
  missingSegments?(msg: Hl7Message): MedibusError | undefined;
}

/** How one channel transforms its messages: built once from its file (transform-plan.ts), frozen. */
export interface TransformPlan {
  readonly channelId: string;
  /** the channel file */
  readonly file: string;
  /** the kind its source hands on (SourceSpec.kind): how ingress bodies are decoded */
  readonly kind: PayloadKind;
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
  readonly payload: Hl7Payload;
  readonly type: string;
  readonly ackCode: string;
  readonly errors: readonly AckError[];
  readonly error: MedibusError;
}

export interface Filtered {
  readonly kind: 'filtered';
  readonly payload: Payload;
  readonly type: string;
  readonly reason: string;
}

export interface Converted {
  readonly kind: 'converted';
  readonly payload: Payload;
  readonly type: string;
  /** undefined when the channel has no mapping */
  readonly bundle: Bundle | undefined;
  readonly warnings: readonly string[];
}

export interface Failed {
  readonly kind: 'failed';
  /** undefined when the bytes did not parse */
  readonly payload: Payload | undefined;
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

/** An ingress body of `kind` → its payload (src/kinds/<kind> decode); Failed when it does not read. */
export function decodeStep(body: Buffer, kind: PayloadKind, charset: string): { readonly kind: 'decoded'; readonly payload: Payload } | Failed {
  if (kind === 'hl7v2') {
    const parsed = parseStep(body, charset);
    return parsed.kind === 'failed' ? parsed : { kind: 'decoded', payload: { kind: 'hl7v2', message: parsed.message } };
  }
  try {
    return { kind: 'decoded', payload: anyKindSpec(kind).decode(body, charset) };
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
    return { kind: 'refused', payload: { kind: 'hl7v2', message: msg }, type: messageType(msg), ackCode: ackCode(msg, 'reject'), errors: checkRequired(msg), error };
  }
}

/** The type a payload is filtered and reported by: MSH-9 for HL7, the kind's identity type otherwise. */
export function typeOf(payload: Payload): string {
  return payload.kind === 'hl7v2' ? messageType(payload.message) : anyKindSpec(payload.kind).identity(payload).type;
}

/**
 * Raw bytes (of the plan's kind; HL7 decoded with `charset`, else the plan's), a parsed HL7
 * message or a payload → the outcome.
 */
export async function transformStep(input: Buffer | Hl7Message | Payload, plan: TransformPlan, charset?: string): Promise<StepOutcome> {
  let payload: Payload;
  if (Buffer.isBuffer(input)) {
    const decoded = decodeStep(input, plan.kind, charset || plan.charset);
    if (decoded.kind === 'failed') return decoded;
    payload = decoded.payload;
  } else payload = input instanceof Hl7Message ? { kind: 'hl7v2', message: input } : input;

  if (payload.kind === 'hl7v2') {
    const refused = intakeCheck(payload.message);
    if (refused !== undefined) return refused;
  }
  let type: string | undefined;
  try {
    type = typeOf(payload);
    if (payload.kind !== plan.kind) throw new MedibusError('MEDIBUS_ERR_KIND_MISMATCH', `channel ${plan.channelId} takes ${plan.kind} payloads, not ${payload.kind}`);
    const why = await plan.filter.check(payload, type);
    if (why !== undefined) return { kind: 'filtered', payload, type, reason: why };
    if (plan.mapping === undefined) return { kind: 'converted', payload, type, bundle: undefined, warnings: [] };
    if (plan.mapping.input !== payload.kind) throw new MedibusError('MEDIBUS_ERR_KIND_MISMATCH', `mapping ${plan.mapping.id} reads ${plan.mapping.input}, not ${payload.kind} (its input:)`);
    const { bundle, warnings } = await plan.mapping.convert(payload, { validate: plan.validate, ...(plan.timezone ? { timezone: plan.timezone } : {}) });
    return { kind: 'converted', payload, type, bundle, warnings };
  } catch (error) {
    return failed(payload, error, type);
  }
}

function failed(payload: Payload | undefined, thrown: unknown, type?: string): Failed {
  const error = isMedibusError(thrown) ? thrown : new MedibusError('MEDIBUS_ERR_INTERNAL', errorMessage(thrown), { cause: thrown });
  return { kind: 'failed', payload, type: type ?? (payload?.kind === 'hl7v2' ? messageType(payload.message) : undefined), error, reason: failureReason(error) };
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
