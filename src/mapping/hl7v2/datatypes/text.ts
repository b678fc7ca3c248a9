/**
 * ST / TX / FT / ID → string, markdown, Annotation, uri, id, boolean
 * (IG FT[Annotation-Comment], ID[boolean], ST[…]; HL7 v2.5.1 §2.A.74 ST, §2.A.78 TX, §2.A.31 FT).
 *
 * Text is unescaped by the HL7 core (`\F\` → `|`, `\.br\` → newline …). Component 1 is read:
 * these types have no components, a `^` in text must be sent as `\S\`.
 */
import type { Annotation } from '@medplum/fhirtypes';
import type { Converter } from './types.js';

/** ST / TX / FT → string (also markdown). FHIR strings may not be whitespace only. */
export const string: Converter = (rep) => {
  const text = rep.component(1);
  return text.trim() === '' ? undefined : text;
};

/** FT / TX → Annotation (IG FT[Annotation-Comment]: FT.1 → text). Author and time are other fields (NTE), set by the mapping. */
export const annotation: Converter = (rep) => {
  const text = rep.component(1);
  return text.trim() === '' ? undefined : ({ text } satisfies Annotation);
};

const URI = /^\S+$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** ST → uri: no whitespace allowed in FHIR. */
export const uri: Converter = (rep, ctx) => {
  const text = rep.component(1).trim();
  if (text === '') return undefined;
  if (!URI.test(text)) {
    ctx.warn('not a valid uri (contains whitespace)');
    return undefined;
  }
  return text;
};

/** ST → id: 1–64 of A–Z a–z 0–9 - . */
export const id: Converter = (rep, ctx) => {
  const text = rep.component(1).trim();
  if (text === '') return undefined;
  if (!ID.test(text)) {
    ctx.warn('not a valid FHIR id (1–64 letters, digits, "-" or ".")');
    return undefined;
  }
  return text;
};

/**
 * ID → boolean (IG ID[boolean]; the values are table 0136 Yes/No, IG YesNoIndicator map:
 * Y → true, N → false). Anything else is no boolean: undefined with a warning.
 */
export const boolean: Converter = (rep, ctx) => {
  const value = rep.component(1);
  if (value === 'Y') return true;
  if (value === 'N') return false;
  if (value !== '') ctx.warn('not a Y/N indicator (HL7 table 0136)');
  return undefined;
};
