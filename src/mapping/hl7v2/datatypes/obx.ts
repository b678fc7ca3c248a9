/**
 * OBX-2/5/6 → Observation.value[x], Observation.component, and the attachment extension
 * (IG OBX[Observation] and OBX[Observation-Component] OBX-5/OBX-6 rows; HL7 v2.5.1 §7.4.2).
 *
 * obx-value (one OBX-5 repetition, or text lines):
 *   NM → Quantity (+ OBX-6 units)      SN → Quantity / Range / Ratio (+ units), or string
 *   ST TX FT → string                  CE CWE CNE CF → CodeableConcept   IS ID → CodeableConcept
 *   DT DTM TS → dateTime   TM → time   DR → Period   NR → Range   VR → string "5.1-5.2"
 *   NA → nothing (the IG's SampledData guidance is "future"; warned)
 *   ED RP → nothing here: R4 has no valueAttachment; obx-attachment gives the extension.
 * Where medibus goes further than the rows, to keep the sender's data rather than drop it:
 *   - ST/TX/FT with repeated OBX-5: the repetitions are lines of one text (a report sent line
 *     by line), joined with "\n" into valueString; the IG's component-per-repetition reading
 *     would give components with the same code and a line each.
 *   - NM that is not a number (`<5`, `POS`), a type with no IG row (XAD, XTN, CX, EI, HD …),
 *     or an empty OBX-2 with a value: valueString of the text, with a warning.
 * obx-components (OBX-5 repeated, OBX-2 not NA and not text): one component per repetition,
 *   code = OBX-3, value as above (the IG message maps: "IF OBX-5 LST.count GREATER THAN 1").
 * obx-attachment (OBX-2 ED / RP): the R5 cross-version extension
 *   http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value with valueAttachment.
 *   The IG row writes https://…/extension-Observation.valueAttachment, which is not the URL
 *   the cross-version package publishes (the extension is named after the element, value[x]).
 */
import type { Attachment, CodeableConcept, Extension, Quantity } from '@medplum/fhirtypes';
import { compilePath, Repetition, type Field, type Segment } from '../../../hl7/index.js';
import { attachmentFromEd, attachmentFromRp } from './attachment.js';
import { codeableConcept, codeableConceptFromId } from './coded.js';
import { period, toDateTime, toTime } from './datetime.js';
import { parseNm, rangeFromNr } from './numeric.js';
import { snQuantity, snRange, snRatio, snShape, snText } from './structured-numeric.js';
import type { ChoiceValue, ConvertContext, SegmentConversion } from './types.js';
import { setUnits } from './units.js';
import { upperCase } from '../../../util/text.js';

const VALUE_ATTACHMENT_URL = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.value';
const TEXT_TYPES: ReadonlySet<string> = new Set(['ST', 'TX', 'FT']);

const OBX_2 = compilePath('OBX-2');
const OBX_6_FIRST = compilePath('OBX-6[1]');

/** OBX-2, trimmed (senders pad it) */
function valueType(seg: Segment): string {
  return upperCase(OBX_2.get(seg).trim());
}

function withUnits(q: Quantity, units: Repetition, ctx: ConvertContext): Quantity {
  setUnits(q, units.component(1), units.component(2), units.component(3), ctx);
  return q;
}

/** The value of one OBX-5 repetition as the type OBX-2 names, or undefined. */
function valueOf(type: string, rep: Repetition, units: Repetition, ctx: ConvertContext): ChoiceValue | undefined {
  switch (type) {
    case 'NM': {
      const text = rep.component(1).trim();
      if (text === '') return undefined;
      const value = parseNm(text);
      if (value === undefined) return asText(rep, ctx, 'OBX-5: an NM value that is not a number is kept as valueString');
      return { type: 'Quantity', value: withUnits({ value }, units, ctx) };
    }
    case 'SN':
      return snValue(rep, units, ctx);
    case 'ST':
    case 'TX':
    case 'FT': {
      const text = rep.component(1);
      return text.trim() === '' ? undefined : { type: 'string', value: text };
    }
    case 'CE':
    case 'CWE':
    case 'CNE':
    case 'CF':
      return choice('CodeableConcept', codeableConcept(rep, ctx));
    case 'IS':
    case 'ID':
      return choice('CodeableConcept', codeableConceptFromId(rep, ctx));
    case 'DT':
    case 'DTM':
    case 'TS':
      return choice('dateTime', toDateTime(rep.component(1), ctx, 'OBX-5'));
    case 'TM':
      return choice('time', toTime(rep.component(1), ctx, 'OBX-5'));
    case 'DR':
      return choice('Period', period(rep, ctx));
    case 'NR':
      return choice('Range', rangeFromNr(rep, ctx));
    case 'VR': {
      const low = rep.component(1);
      const high = rep.component(2);
      return low === '' && high === '' ? undefined : { type: 'string', value: `${low}-${high}` };
    }
    case 'NA':
      ctx.warn('OBX-5: NA (numeric array) values are not converted (the IG leaves SampledData for a future version)');
      return undefined;
    case 'ED':
    case 'RP':
      return undefined; // obx-attachment
    default:
      return asText(rep, ctx, type === '' ? 'OBX-2 is empty; OBX-5 kept as valueString' : `OBX-2 ${type} has no Observation.value[x] in the IG; OBX-5 kept as valueString`);
  }
}

function choice(type: ChoiceValue['type'], value: unknown): ChoiceValue | undefined {
  return value === undefined ? undefined : { type, value };
}

function snValue(rep: Repetition, units: Repetition, ctx: ConvertContext): ChoiceValue | undefined {
  if (rep.isEmpty) return undefined;
  switch (snShape(rep)) {
    case 'Quantity': {
      const q = snQuantity(rep, ctx);
      return q === undefined ? undefined : { type: 'Quantity', value: withUnits(q, units, ctx) };
    }
    case 'Range': {
      const r = snRange(rep, ctx);
      if (r === undefined) return undefined;
      if (r.low) withUnits(r.low, units, ctx);
      if (r.high) withUnits(r.high, units, ctx);
      return { type: 'Range', value: r };
    }
    case 'Ratio': {
      const r = snRatio(rep, ctx);
      if (r === undefined) return undefined;
      if (r.numerator) withUnits(r.numerator, units, ctx);
      if (r.denominator) withUnits(r.denominator, units, ctx);
      return { type: 'Ratio', value: r };
    }
    case 'string': {
      const text = snText(rep, units.component(2) || units.component(1));
      return text === '' ? undefined : { type: 'string', value: text };
    }
  }
}

/** The repetition's components as one line (components joined by spaces), with a warning. */
function asText(rep: Repetition, ctx: ConvertContext, warning: string): ChoiceValue | undefined {
  const text = rep.components().filter((c) => c !== '').join(' ');
  if (text === '') return undefined;
  ctx.warn(warning);
  return { type: 'string', value: text };
}

interface ObservationValues {
  readonly type: string;
  readonly reps: readonly Repetition[];
  readonly units: Repetition;
}

/**
 * The OBX read last and what it holds: obx-value, obx-components and obx-attachment read the
 * same OBX one after the other. Segments are immutable, so their identity is a safe key; the
 * cache holds on to one segment (of the last message) at most.
 */
let lastSegment: Segment | undefined;
let lastValues: ObservationValues | undefined;

function observationValues(seg: Segment): ObservationValues | undefined {
  if (seg === lastSegment) return lastValues;
  const field: Field = seg.field(5);
  // OBX-2 and OBX-6 through paths: no Field objects for a code and a unit
  const values = field.isEmpty || field.isNull ? undefined : { type: valueType(seg), reps: field.repetitions(), units: new Repetition(OBX_6_FIRST.raw(seg), seg.ctx) };
  lastSegment = seg;
  lastValues = values;
  return values;
}

/** OBX → Observation.value[x]: a ChoiceValue, or undefined (no value, or repeated non-text values: see obx-components). */
export function obxValue(seg: Segment, ctx: ConvertContext): ChoiceValue | undefined {
  const found = observationValues(seg);
  if (found === undefined) return undefined;
  const { type, reps, units } = found;
  if (reps.length === 1) return valueOf(type, reps[0], units, ctx);
  if (!TEXT_TYPES.has(type)) return undefined;
  let text = '';
  for (let i = 0; i < reps.length; i++) text += (i === 0 ? '' : '\n') + reps[i].component(1);
  return text.trim() === '' ? undefined : { type: 'string', value: text };
}

/** OBX → Observation.component[]: one per OBX-5 repetition when it repeats (IG OBX[Observation-Component]). */
export function obxComponents(seg: Segment, ctx: ConvertContext): Record<string, unknown>[] | undefined {
  const found = observationValues(seg);
  if (found === undefined || found.reps.length < 2 || found.type === 'NA' || TEXT_TYPES.has(found.type)) return undefined;
  const code = codeableConcept(seg.field(3).repetition(1), ctx) as CodeableConcept | undefined;
  if (code === undefined) {
    ctx.warn('OBX-3: no observation identifier, so OBX-5 repetitions cannot become components');
    return undefined;
  }
  const out: Record<string, unknown>[] = [];
  for (const rep of found.reps) {
    const value = valueOf(found.type, rep, found.units, ctx);
    if (value !== undefined) out.push({ code, [choiceElement(value.type)]: value.value });
  }
  return out.length === 0 ? undefined : out;
}

/** OBX with OBX-2 ED or RP → the R5 cross-version valueAttachment extension, for Observation.extension. */
export function obxAttachment(seg: Segment, ctx: ConvertContext): Extension | undefined {
  const found = observationValues(seg);
  if (found === undefined || (found.type !== 'ED' && found.type !== 'RP')) return undefined;
  if (found.reps.length > 1) ctx.warn('OBX-5: only the first of several ED/RP repetitions is kept (the extension holds one attachment)');
  const attachment = found.type === 'ED' ? attachmentFromEd(found.reps[0], ctx) : attachmentFromRp(found.reps[0], ctx);
  return attachment === undefined ? undefined : { url: VALUE_ATTACHMENT_URL, valueAttachment: attachment as Attachment };
}

/** `Quantity` → `valueQuantity`, `dateTime` → `valueDateTime`. */
export function choiceElement(type: ChoiceValue['type'], base = 'value'): string {
  return base + type[0].toUpperCase() + type.slice(1);
}

export const OBX_CONVERSIONS: readonly SegmentConversion[] = [
  { name: 'obx-value', segment: 'OBX', result: 'choice', target: 'Observation.value[x]', description: 'OBX-2/5/6 → the value[x] OBX-2 calls for', convert: obxValue },
  { name: 'obx-components', segment: 'OBX', result: 'list', target: 'Observation.component', description: 'repeated OBX-5 → one component each (code OBX-3)', convert: obxComponents },
  { name: 'obx-attachment', segment: 'OBX', result: 'element', target: 'Observation.extension', description: 'OBX-5 ED/RP → R5 cross-version valueAttachment extension', convert: obxAttachment },
];
