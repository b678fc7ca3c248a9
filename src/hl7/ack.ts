/**
 * Building acknowledgments (HL7 v2.5.1 §2.9). medibus answers after the broker confirmed the
 * message (docs/architecture.md): AA/CA on success, AE/CE when it could not be stored (the
 * sender should resend), AR/CR when the message itself is refused.
 *
 * Original mode (§2.9.2): MSH-15 and MSH-16 empty; one ACK, codes AA/AE/AR.
 * Enhanced mode (§2.9.3): MSH-15/MSH-16 valued; the accept (commit) ACK uses CA/CE/CR and is
 * sent only under the condition MSH-15 gives (table 0155).
 */
import { Hl7Builder } from './builder.js';
import { DEFAULT_DELIMITERS, type Delimiters } from './delimiters.js';
import type { Hl7Message } from './message.js';
import { HL7_ERROR_CODES, type AckCode, type AckError } from './ack-codes.js';

export type AckMode = 'original' | 'enhanced';

export function ackMode(original: Hl7Message | undefined): AckMode {
  if (original === undefined) return 'original';
  const h = original.header;
  return h.acceptAckType !== '' || h.applicationAckType !== '' ? 'enhanced' : 'original';
}

/**
 * Whether to answer at all. Original mode: always. Enhanced mode: per MSH-15 (table 0155) —
 * AL always, NE never, ER only on failure, SU only on success; an empty or unknown MSH-15 is
 * answered, since a sender left waiting is worse than an ACK it does not need.
 */
export function shouldSendAcceptAck(original: Hl7Message | undefined, success: boolean): boolean {
  if (ackMode(original) === 'original' || original === undefined) return true;
  switch (original.header.acceptAckType) {
    case 'NE':
      return false;
    case 'ER':
      return !success;
    case 'SU':
      return success;
    default:
      return true;
  }
}

export type AckOutcome = 'accept' | 'error' | 'reject';

/** AA/AE/AR in original mode, CA/CE/CR (commit) in enhanced mode. */
export function ackCode(original: Hl7Message | undefined, outcome: AckOutcome): AckCode {
  const enhanced = ackMode(original) === 'enhanced';
  switch (outcome) {
    case 'accept':
      return enhanced ? 'CA' : 'AA';
    case 'error':
      return enhanced ? 'CE' : 'AE';
    case 'reject':
      return enhanced ? 'CR' : 'AR';
    default:
      return outcome satisfies never;
  }
}

export interface AckOptions {
  /** MSA-1 (table 0008) */
  readonly code: AckCode;
  /** MSA-3 text message (kept for the many senders that still display it) */
  readonly text?: string;
  /** ERR segments; a negative ACK without errors gets one 207 "Application internal error" */
  readonly errors?: readonly AckError[];
  /** MSH-10 of the ACK itself */
  readonly controlId: string;
  /** MSH-7; default now. Written in UTC (+0000) so that ACKs do not depend on the host zone. */
  readonly now?: Date;
  /** MSH-3/MSH-4 of the ACK when the original is unreadable or its MSH-5/MSH-6 are empty */
  readonly sender?: { readonly application?: string; readonly facility?: string };
}

/** The version an ACK is written in when the original gives none (or cannot be parsed). */
export const DEFAULT_ACK_VERSION = '2.5.1';

/**
 * Builds the ACK for `original` (undefined when the input could not be parsed at all: then an
 * ACK with default delimiters, version 2.5.1, processing ID P and an empty MSA-2).
 * MSH-3/4 ← original MSH-5/6, MSH-5/6 ← MSH-3/4, MSH-9 `ACK^<trigger>^ACK`, MSH-11, MSH-12
 * and MSH-18 echoed, MSA-2 = original MSH-10.
 */
export function buildAck(original: Hl7Message | undefined, ack: AckOptions): Hl7Message {
  return ackBuilder(original, ack).build();
}

/** The same ACK as text, segments ended by CR: what a listener sends, without parsing it back. */
export function buildAckText(original: Hl7Message | undefined, ack: AckOptions): string {
  return ackBuilder(original, ack).toString();
}

function ackBuilder(original: Hl7Message | undefined, ack: AckOptions): Hl7Builder {
  const version = original?.header.version || DEFAULT_ACK_VERSION;
  const delimiters = ackDelimiters(original);
  const b = new Hl7Builder(delimiters);
  const msh = original?.msh;
  const copy = (to: string, from: number): void => {
    if (msh === undefined || msh.fieldRaw(from) === '') return;
    if (delimiters === original?.delimiters) {
      b.setRaw(to, msh.fieldRaw(from));
      return;
    }
    // Other delimiters: carry the first repetition over component by component, re-escaped.
    msh.field(from).repetition(1).components().forEach((c, i) => {
      if (c !== '') b.set(`${to}.${i + 1}`, c);
    });
  };
  copy('MSH-3', 5);
  copy('MSH-4', 6);
  copy('MSH-5', 3);
  copy('MSH-6', 4);
  if ((msh?.fieldRaw(5) ?? '') === '' && ack.sender?.application) b.set('MSH-3', ack.sender.application);
  if ((msh?.fieldRaw(6) ?? '') === '' && ack.sender?.facility) b.set('MSH-4', ack.sender.facility);
  b.set('MSH-7', formatDtm(ack.now ?? new Date()));
  b.set('MSH-9.1', 'ACK');
  const trigger = original?.header.triggerEvent ?? '';
  if (trigger !== '') b.set('MSH-9.2', trigger);
  // MSH-9.3 (message structure) exists from v2.3.1 on.
  if (versionAtLeast(version, [2, 3, 1])) b.set('MSH-9.3', 'ACK');
  b.set('MSH-10', ack.controlId);
  if ((msh?.fieldRaw(11) ?? '') !== '') copy('MSH-11', 11);
  else b.set('MSH-11', 'P');
  if ((msh?.fieldRaw(12) ?? '') !== '') copy('MSH-12', 12);
  else b.set('MSH-12', version);
  copy('MSH-18', 18);

  b.set('MSA-1', ack.code);
  copy('MSA-2', 10);
  const errors = ack.errors?.length ? ack.errors : defaultErrors(ack);
  const text = ack.text ?? (versionAtLeast(version, [2, 5]) ? undefined : firstText(errors));
  if (text) b.set('MSA-3', text);
  if (versionAtLeast(version, [2, 5])) writeErr25(b, errors);
  else writeErrEld(b, errors);
  return b;
}

/** The original's delimiters when complete (the sender reads its own), else the defaults. */
function ackDelimiters(original: Hl7Message | undefined): Delimiters {
  const d = original?.delimiters;
  return d !== undefined && d.escape !== '' && d.subcomponent !== '' && d.repetition !== '' ? d : DEFAULT_DELIMITERS;
}

function defaultErrors(ack: AckOptions): readonly AckError[] {
  if (ack.code === 'AA' || ack.code === 'CA') return [];
  return [{ code: '207', severity: 'E', ...(ack.text ? { userMessage: ack.text } : {}) }];
}

function firstText(errors: readonly AckError[]): string | undefined {
  const e = errors[0];
  return e === undefined ? undefined : (e.userMessage ?? e.diagnostic ?? e.text ?? codeText(e.code));
}

function codeText(code: string): string {
  return (HL7_ERROR_CODES as Record<string, string>)[code] ?? '';
}

/** v2.5+: one ERR per error — ERR-2 ERL, ERR-3 CWE (table 0357), ERR-4 severity, ERR-5, 7, 8. */
function writeErr25(b: Hl7Builder, errors: readonly AckError[]): void {
  for (const e of errors) {
    const err = b.add('ERR');
    const loc = e.location;
    if (loc !== undefined) {
      err.set('2.1', loc.segment).set('2.2', String(loc.sequence ?? 1));
      const parts = [loc.field, loc.repetition, loc.component, loc.subcomponent];
      parts.forEach((n, i) => {
        if (n !== undefined) err.set(`2.${i + 3}`, String(n));
      });
    }
    err.set('3.1', e.code).set('3.2', e.text ?? codeText(e.code)).set('3.3', 'HL70357');
    err.set(4, e.severity ?? 'E');
    if (e.applicationCode) err.set('5.1', e.applicationCode);
    if (e.diagnostic) err.set(7, e.diagnostic);
    if (e.userMessage) err.set(8, e.userMessage);
  }
}

/** Before v2.5: one ERR whose ERR-1 repeats ELD = segment^sequence^field^code&text&HL70357. */
function writeErrEld(b: Hl7Builder, errors: readonly AckError[]): void {
  if (errors.length === 0) return;
  const err = b.add('ERR');
  errors.forEach((e, i) => {
    const rep = `1[${i + 1}]`;
    if (e.location !== undefined) {
      err.set(`${rep}.1`, e.location.segment).set(`${rep}.2`, String(e.location.sequence ?? 1));
      if (e.location.field !== undefined) err.set(`${rep}.3`, String(e.location.field));
    }
    err.set(`${rep}.4.1`, e.code).set(`${rep}.4.2`, e.text ?? codeText(e.code)).set(`${rep}.4.3`, 'HL70357');
  });
}

/** Compares an MSH-12 version ("2.3.1") with a minimum; unreadable versions count as recent. */
export function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.trim().split('.').map(Number);
  if (parts.some((n) => !Number.isInteger(n))) return true;
  for (let i = 0; i < min.length; i++) {
    const v = parts[i] ?? 0;
    if (v !== min[i]) return v > min[i];
  }
  return true;
}

/** HL7 DTM in UTC: YYYYMMDDHHMMSS+0000. */
export function formatDtm(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    p(d.getUTCFullYear(), 4) +
    p(d.getUTCMonth() + 1) +
    p(d.getUTCDate()) +
    p(d.getUTCHours()) +
    p(d.getUTCMinutes()) +
    p(d.getUTCSeconds()) +
    '+0000'
  );
}
