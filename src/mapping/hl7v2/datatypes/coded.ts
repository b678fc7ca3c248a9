/**
 * CWE / CE / CNE (and ID / IS) → CodeableConcept, Coding, code, string
 * (IG CWE[CodeableConcept], CWE[Coding], CWE[code], CWE[string], CE/CNE[CodeableConcept],
 * ID/IS[CodeableConcept]; HL7 v2.5.1 §2.A.13 CWE, §2.A.8 CE, §2.A.9 CNE).
 *
 * CE and CNE share CWE's first components, so one reader serves all three: triplets
 * 1–3 (+ version 7), 4–6 (+ 8), 10–12 (+ 13) become codings in that order; CWE.9 the text.
 * Coding system names become URIs as coding-systems.ts says.
 *
 * One choice the IG leaves open: a triplet with a text but no code (`^Headache^`), which the
 * rows would turn into a coding with only a display. A coding without a code identifies no
 * concept, so the text becomes CodeableConcept.text instead (when CWE.9 gives none).
 */
import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { Repetition } from '../../../hl7/index.js';
import { codingSystemUri } from './coding-systems.js';
import type { Converter, ConvertContext } from './types.js';

/** [code, display, system, version] component numbers of each CWE triplet */
const TRIPLETS = [
  [1, 2, 3, 7],
  [4, 5, 6, 8],
  [10, 11, 12, 13],
] as const;

type Triplet = (typeof TRIPLETS)[number];

/** One CWE triplet → Coding, or undefined when it has no code. */
function codingAt(rep: Repetition, [c, d, s, v]: Triplet, ctx: ConvertContext): Coding | undefined {
  const code = rep.component(c);
  if (code === '') return undefined;
  const coding: Coding = {};
  const system = codingSystemUri(rep.component(s), ctx);
  if (system !== undefined) coding.system = system;
  const version = rep.component(v);
  if (version !== '') coding.version = version;
  coding.code = code;
  const display = rep.component(d);
  if (display !== '') coding.display = display;
  return coding;
}

/** CWE → CodeableConcept. */
export const codeableConcept: Converter = (rep, ctx) => {
  // most CWEs stop at the first triplet (`code^text^system`): the components past the end are not read
  const count = rep.componentCount;
  let coding: Coding[] | undefined;
  let orphanText = '';
  for (let t = 0; t < TRIPLETS.length; t++) {
    const triplet = TRIPLETS[t];
    if (triplet[0] > count && triplet[1] > count) break;
    const one = codingAt(rep, triplet, ctx);
    if (one) (coding ??= []).push(one);
    else if (orphanText === '') orphanText = rep.component(triplet[1]);
  }
  const text = (count >= 9 ? rep.component(9) : '') || orphanText;
  if (coding === undefined && text === '') return undefined;
  const cc: CodeableConcept = {};
  if (coding) cc.coding = coding;
  if (text !== '') cc.text = text;
  return cc;
};

/** CWE → Coding (IG CWE[Coding]: the first triplet and CWE.7 only). */
export const coding: Converter = (rep, ctx) => codingAt(rep, TRIPLETS[0], ctx);

/** CWE → code (IG CWE[code]: CWE.1, else CWE.4). Also ID/IS/ST → code (component 1). */
export const code: Converter = (rep, ctx) => {
  const value = (rep.component(1) || rep.component(4)).trim();
  if (value === '') return undefined;
  if (!isCode(value)) {
    ctx.warn('not a valid FHIR code (leading/trailing or repeated whitespace)');
    return undefined;
  }
  return value;
};
/** FHIR R4 code: no leading/trailing whitespace, no runs of whitespace. */
const CODE = /^[^\s]+( [^\s]+)*$/;

/** CODE.test, without the regex for the usual code of printable ASCII and no space. */
function isCode(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return CODE.test(value);
  }
  return value !== '';
}

/**
 * CWE → string (IG CWE[string]: CWE.9, else CWE.2); used for XAD.9 district. When both are
 * empty the code itself is used: a county sent as a code alone (`06037`) would otherwise vanish.
 */
export const stringFromCwe: Converter = (rep) => rep.component(9) || rep.component(2) || rep.component(1) || undefined;

/** ID / IS → CodeableConcept (IG ID[CodeableConcept]: coding.code only; the table, when any, is the field's, not the datatype's). */
export const codeableConceptFromId: Converter = (rep) => {
  const value = rep.component(1);
  return value === '' ? undefined : ({ coding: [{ code: value }] } satisfies CodeableConcept);
};

/** ID / IS → Coding (IG ID[Coding]). */
export const codingFromId: Converter = (rep) => {
  const value = rep.component(1);
  return value === '' ? undefined : ({ code: value } satisfies Coding);
};
